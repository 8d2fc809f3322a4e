// What the server reads from an upload's bytes, never from its name: the media type (magic
// numbers, via file-type; valid UTF-8 without control bytes counts as text), the photo's EXIF time
// and position, and a thumbnail for images.
import { fileTypeFromBuffer } from 'file-type';
import exifr from 'exifr';
import sharp from 'sharp';

/** The media type of the bytes; `application/octet-stream` when nothing is recognised. */
export async function detectType(bytes: Buffer): Promise<string> {
  const found = await fileTypeFromBuffer(bytes);
  if (found) return found.mime;
  return looksLikeText(bytes) ? 'text/plain' : 'application/octet-stream';
}

function looksLikeText(bytes: Buffer): boolean {
  if (bytes.length === 0) return false;
  try {
    const text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    // Control characters other than tab, newline and carriage return mean a binary format.
    return !/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(text);
  } catch {
    return false;
  }
}

export interface ExifSummary {
  /** When the photo was taken, as the camera recorded it (ISO; the camera's offset when it wrote one, else read as UTC). */
  takenAt: string | null;
  lat: number | null;
  lng: number | null;
}

const PHOTO_TYPES = new Set(['image/jpeg', 'image/tiff', 'image/heic', 'image/avif', 'image/png', 'image/webp']);

/** EXIF time and GPS position of a photo; null when the file has none (or is no photo). */
export async function readExif(bytes: Buffer, type: string): Promise<ExifSummary | null> {
  if (!PHOTO_TYPES.has(type)) return null;
  try {
    // reviveValues off: the time stays EXIF's text, read below with its offset tag (exifr would read it in the server's zone).
    const tags = (await exifr.parse(bytes, { tiff: true, exif: true, gps: true, reviveValues: false })) as Record<string, unknown> | undefined;
    if (!tags) return null;
    const takenAt = exifTime(tags.DateTimeOriginal ?? tags.CreateDate, tags.OffsetTimeOriginal);
    const lat = typeof tags.latitude === 'number' && Number.isFinite(tags.latitude) ? tags.latitude : null;
    const lng = typeof tags.longitude === 'number' && Number.isFinite(tags.longitude) ? tags.longitude : null;
    if (takenAt === null && lat === null && lng === null) return null;
    return { takenAt, lat, lng };
  } catch {
    // A damaged EXIF block is no reason to refuse the photo.
    return null;
  }
}

/** EXIF's `2026:05:01 09:30:00` (+ its offset tag when present) as an ISO instant. */
function exifTime(value: unknown, offset: unknown): string | null {
  if (typeof value !== 'string') return null;
  const m = /^(\d{4}):(\d{2}):(\d{2})[ T](\d{2}):(\d{2}):(\d{2})/.exec(value);
  if (!m) return null;
  const zone = typeof offset === 'string' && /^[+-]\d{2}:\d{2}$/.test(offset) ? offset : 'Z';
  const at = new Date(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}${zone}`);
  return Number.isNaN(at.getTime()) ? null : at.toISOString();
}

const THUMBNAIL_TYPES = new Set(['image/jpeg', 'image/png', 'image/webp', 'image/gif', 'image/avif', 'image/tiff', 'image/heic']);
export const THUMBNAIL_SIZE = 256;

/** A JPEG at most 256 px on its longer side, turned upright by the EXIF orientation; undefined for non-images or images sharp cannot decode. */
export async function makeThumbnail(bytes: Buffer, type: string): Promise<Buffer | undefined> {
  if (!THUMBNAIL_TYPES.has(type)) return undefined;
  try {
    // limitInputPixels: a decompression bomb (a tiny file of a huge image) is refused by sharp.
    return await sharp(bytes, { limitInputPixels: 100_000_000 }).rotate().resize(THUMBNAIL_SIZE, THUMBNAIL_SIZE, { fit: 'inside', withoutEnlargement: true }).jpeg({ quality: 75 }).toBuffer();
  } catch {
    return undefined;
  }
}
