// The virus-scan hook: every upload's bytes pass through the configured scanner before anything
// is stored. Attain ships no scanner; an installation plugs in one (ClamAV over its socket, a
// cloud scanning API) by implementing this interface in `ServerOptions.files.scanner`.

export type ScanVerdict = { clean: true } | { clean: false; reason: string };

export interface FileScanner {
  readonly name: string;
  /** `meta`: what the server knows of the upload (the client's name, the type read from the bytes). */
  scan(bytes: Buffer, meta: { name: string; type: string; size: number }): Promise<ScanVerdict>;
}
