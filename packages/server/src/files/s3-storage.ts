// Attachments on any S3-compatible store (AWS S3, MinIO, Ceph, R2, …) through the AWS SDK v3.
import { DeleteObjectCommand, GetObjectCommand, NoSuchKey, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { assertKey, type FileStore } from './storage.ts';

export interface S3FileStoreConfig {
  bucket: string;
  /** A non-AWS endpoint (`http://127.0.0.1:9000`); AWS's own when omitted. */
  endpoint?: string;
  region?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string };
  /** `bucket` in the path instead of the host name (MinIO and most self-hosted stores need it). */
  forcePathStyle?: boolean;
  /** Prepended to every key (`attain/`), to share a bucket. */
  prefix?: string;
}

export class S3FileStore implements FileStore {
  readonly kind = 's3';
  private readonly client: S3Client;
  private readonly bucket: string;
  private readonly prefix: string;

  constructor(config: S3FileStoreConfig) {
    this.bucket = config.bucket;
    this.prefix = config.prefix ?? '';
    this.client = new S3Client({
      region: config.region ?? 'us-east-1',
      ...(config.endpoint ? { endpoint: config.endpoint } : {}),
      ...(config.credentials ? { credentials: config.credentials } : {}),
      forcePathStyle: config.forcePathStyle ?? false,
    });
  }

  private key(key: string): string {
    assertKey(key);
    return `${this.prefix}${key}`;
  }

  async put(key: string, bytes: Buffer, contentType: string): Promise<void> {
    await this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key: this.key(key), Body: bytes, ContentType: contentType, ContentLength: bytes.length }));
  }

  async get(key: string): Promise<Buffer | undefined> {
    try {
      const out = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.key(key) }));
      if (!out.Body) return undefined;
      return Buffer.from(await out.Body.transformToByteArray());
    } catch (error) {
      if (error instanceof NoSuchKey || (error as { name?: string }).name === 'NoSuchKey') return undefined;
      throw error;
    }
  }

  async delete(key: string): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.key(key) }));
  }

  /** Closes the SDK's connections (server close). */
  destroy(): void {
    this.client.destroy();
  }
}

/**
 * The S3 store from `ATTAIN_FILES_S3_*`, or undefined when no bucket is set (files stay on disk).
 * Credentials: ATTAIN_FILES_S3_ACCESS_KEY_ID and _SECRET_ACCESS_KEY, else the SDK's own chain
 * (AWS_* variables, instance roles).
 */
export function s3ConfigFromEnv(env: NodeJS.ProcessEnv): S3FileStoreConfig | undefined {
  const bucket = env.ATTAIN_FILES_S3_BUCKET;
  if (!bucket) return undefined;
  const id = env.ATTAIN_FILES_S3_ACCESS_KEY_ID;
  const secret = env.ATTAIN_FILES_S3_SECRET_ACCESS_KEY;
  if (Boolean(id) !== Boolean(secret)) throw new Error('set both ATTAIN_FILES_S3_ACCESS_KEY_ID and ATTAIN_FILES_S3_SECRET_ACCESS_KEY, or neither');
  return {
    bucket,
    ...(env.ATTAIN_FILES_S3_ENDPOINT ? { endpoint: env.ATTAIN_FILES_S3_ENDPOINT } : {}),
    ...(env.ATTAIN_FILES_S3_REGION ? { region: env.ATTAIN_FILES_S3_REGION } : {}),
    ...(id && secret ? { credentials: { accessKeyId: id, secretAccessKey: secret } } : {}),
    forcePathStyle: env.ATTAIN_FILES_S3_FORCE_PATH_STYLE === 'true',
    ...(env.ATTAIN_FILES_S3_PREFIX ? { prefix: env.ATTAIN_FILES_S3_PREFIX } : {}),
  };
}
