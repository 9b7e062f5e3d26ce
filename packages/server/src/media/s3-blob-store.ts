import type { Readable } from 'node:stream';
import {
  GetObjectCommand,
  HeadObjectCommand,
  NoSuchKey,
  NotFound,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { BlobMissingError, type BlobStore, type ByteRange } from './blob-store.js';

export interface S3BlobStoreOptions {
  bucket: string;
  /** An S3-compatible endpoint; unset: AWS S3. */
  endpoint?: string | undefined;
  region: string;
  /** Both or neither; neither uses the AWS SDK's credential chain. */
  accessKeyId?: string | undefined;
  secretAccessKey?: string | undefined;
  forcePathStyle: boolean;
  /** Prepended to every key. */
  prefix: string;
  /** Time limit of one request (connect and answer). */
  timeoutMs: number;
}

/**
 * Blobs as objects of one bucket in any S3-compatible store (AWS S3, MinIO,
 * R2, s3rver in the tests). Checksums are sent only where the S3 API
 * requires them: recent SDKs otherwise send `aws-chunked` bodies with
 * trailing CRC32 checksums, which many S3-compatible stores do not decode
 * (they store the chunk framing as the object).
 */
export class S3BlobStore implements BlobStore {
  readonly kind = 's3' as const;
  private readonly client: S3Client;

  constructor(private readonly o: S3BlobStoreOptions) {
    this.client = new S3Client({
      region: o.region,
      ...(o.endpoint ? { endpoint: o.endpoint } : {}),
      forcePathStyle: o.forcePathStyle,
      ...(o.accessKeyId && o.secretAccessKey
        ? { credentials: { accessKeyId: o.accessKeyId, secretAccessKey: o.secretAccessKey } }
        : {}),
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      // The media keeper retries with its own backoff; one quick retry here covers a dropped connection.
      maxAttempts: 2,
      requestHandler: { connectionTimeout: Math.min(o.timeoutMs, 5000), requestTimeout: o.timeoutMs },
    });
  }

  async put(key: string, bytes: Buffer, contentType: string): Promise<void> {
    const Key = this.o.prefix + key;
    const exists = await this.client
      .send(new HeadObjectCommand({ Bucket: this.o.bucket, Key }))
      .then((h) => h.ContentLength === bytes.length)
      // Not there, or a key allowed to put but not to read (403): the put tells.
      .catch(() => false);
    if (exists) return;
    await this.client.send(
      new PutObjectCommand({
        Bucket: this.o.bucket,
        Key,
        Body: bytes,
        ContentType: contentType,
        ContentLength: bytes.length,
      }),
    );
  }

  async read(key: string, range?: ByteRange): Promise<Readable> {
    try {
      const res = await this.client.send(
        new GetObjectCommand({
          Bucket: this.o.bucket,
          Key: this.o.prefix + key,
          ...(range ? { Range: `bytes=${range.start}-${range.end}` } : {}),
        }),
      );
      return res.Body as Readable;
    } catch (err) {
      if (err instanceof NoSuchKey || err instanceof NotFound) throw new BlobMissingError(key);
      throw err;
    }
  }

  close(): void {
    this.client.destroy();
  }
}
