/**
 * What the outbound pipeline needs of the media store (issue #15 §7): keep
 * an upload's bytes under their content address, and read them back to send.
 * media/blob-store.ts's BlobStore is one; the pipeline knows only this.
 */

export interface MediaBlobs {
  /** Keeps `bytes` under `key` durably once it resolves (the same key always holds the same bytes). */
  put(key: string, bytes: Buffer, contentType: string): Promise<void>;
  /** The whole blob as a stream; rejects when it is not there. */
  read(key: string): Promise<AsyncIterable<unknown> & { destroy(): void }>;
}

/** The key of bytes whose hex SHA-256 is `sha256`: `sha256/ab/abcdef…` (two-level fan-out). */
export function blobKey(sha256: string): string {
  if (!/^[0-9a-f]{64}$/.test(sha256)) throw new Error('blobKey wants a hex SHA-256');
  return `sha256/${sha256.slice(0, 2)}/${sha256}`;
}
