/**
 * Where media bytes are kept (#13, "Durable media"): a content-addressed
 * store of immutable blobs, on the local disk (fs-blob-store.ts) or in any
 * S3-compatible bucket (s3-blob-store.ts). Knows nothing of messages.
 */
import type { Readable } from 'node:stream';

/** Inclusive byte positions, as in HTTP's `Range: bytes=start-end`. */
export interface ByteRange {
  start: number;
  end: number;
}

export interface BlobStore {
  /** `fs` or `s3`, for logs and metrics. */
  readonly kind: 'fs' | 's3';
  /**
   * Keeps `bytes` under `key`, durably, once `put` resolves. The same key
   * always holds the same bytes (it is their SHA-256), so a second put of a
   * key already there is a no-op.
   */
  put(key: string, bytes: Buffer, contentType: string): Promise<void>;
  /** The blob (or `range` of it) as a stream; rejects with BlobMissingError when not there. */
  read(key: string, range?: ByteRange): Promise<Readable>;
  /** Releases connections (S3). */
  close(): void;
}

/** The blob is not in the store (deleted by hand, another bucket…). */
export class BlobMissingError extends Error {
  constructor(readonly key: string) {
    super(`no blob ${key} in the media store`);
    this.name = 'BlobMissingError';
  }
}

export { blobKey } from '../core/media-blobs.js';
