import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { type FileHandle, mkdir, open, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { BlobMissingError, type BlobStore, type ByteRange } from './blob-store.js';

/** Bytes written between two flushes of a blob being put. */
const FLUSH_BYTES = 1024 * 1024;

/**
 * Writes `bytes` a MiB at a time, each flushed before the next. With ext4's
 * default `data=ordered`, a journal commit first writes out the data of the
 * files it allocates blocks for: one 16 MiB write synced at the end made the
 * next SQLite commit's fsync (on the event loop) wait for all 16 MiB (#13).
 */
async function writeFlushed(fh: FileHandle, bytes: Buffer): Promise<void> {
  for (let at = 0; at < bytes.length; at += FLUSH_BYTES) {
    const end = Math.min(bytes.length, at + FLUSH_BYTES);
    await fh.write(bytes, at, end - at, at);
    if (end < bytes.length) await fh.datasync();
  }
}

/**
 * Blobs as files under `root` (`DATA_DIR/media`), one per key. A put writes
 * a temporary file next to the target, syncs it to disk and renames it into
 * place, so a reader (or a crash) never sees half a file.
 */
export class FsBlobStore implements BlobStore {
  readonly kind = 'fs' as const;

  constructor(private readonly root: string) {}

  private file(key: string): string {
    const file = path.resolve(this.root, key);
    // Keys are made by blobKey; this only guards against a key that would leave the root.
    if (!file.startsWith(`${path.resolve(this.root)}${path.sep}`)) throw new Error(`bad blob key ${key}`);
    return file;
  }

  async put(key: string, bytes: Buffer): Promise<void> {
    const file = this.file(key);
    const existing = await stat(file).catch(() => null);
    if (existing?.size === bytes.length) return;
    await mkdir(path.dirname(file), { recursive: true });
    const tmp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
    try {
      const fh = await open(tmp, 'wx', 0o640);
      try {
        await writeFlushed(fh, bytes);
        await fh.sync();
      } finally {
        await fh.close();
      }
      await rename(tmp, file);
    } catch (err) {
      await rm(tmp, { force: true });
      throw err;
    }
    // The rename is durable once the directory entry is synced (best effort: not every filesystem allows it).
    const dir = await open(path.dirname(file), 'r').catch(() => null);
    await dir?.sync().catch(() => {});
    await dir?.close();
  }

  async read(key: string, range?: ByteRange): Promise<Readable> {
    const file = this.file(key);
    const fh = await open(file, 'r').catch((err: NodeJS.ErrnoException) => {
      throw err.code === 'ENOENT' ? new BlobMissingError(key) : err;
    });
    return createReadStream('', { fd: fh, ...(range ? { start: range.start, end: range.end } : {}) });
  }

  /** Removes a blob (the spool, once its bytes reached the media store). */
  async remove(key: string): Promise<void> {
    await rm(this.file(key), { force: true });
  }

  close(): void {}
}
