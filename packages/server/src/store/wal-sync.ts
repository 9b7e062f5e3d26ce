import { type FileHandle, open } from 'node:fs/promises';
import type BetterSqlite3 from 'better-sqlite3';

/**
 * Commits whose fsync runs off the event loop (SQLite, WAL mode). With
 * `synchronous = FULL` every commit fsyncs the WAL inside better-sqlite3's
 * synchronous call: 2–5 ms on this class of disk during which the node does
 * nothing else. A relaxed commit (`synchronous = NORMAL`) only writes its
 * frames to the WAL; `sync()` then fdatasyncs the WAL file on libuv's thread
 * pool, and whoever waits for it knows the commit is on disk, as after a FULL
 * commit. The group commit (write-batcher.ts) uses it for background-only
 * transactions (a backfill's), whose jobs resolve only after the sync: the
 * loop meanwhile serves webhooks and runs the next transaction. Webhook
 * transactions keep FULL. Between a relaxed commit and its sync, other
 * readers of this connection can already see its rows (a socket's gap read
 * of the event log), which a power cut in that window would lose.
 */
export class WalSync {
  private relaxed = false;
  private handle: Promise<FileHandle> | undefined;

  constructor(
    private readonly raw: BetterSqlite3.Database,
    private readonly walFile: string,
  ) {}

  /** Sets how the next commits sync: relaxed (no fsync, call `sync()` after) or FULL. */
  relax(on: boolean): void {
    if (on === this.relaxed) return;
    this.raw.pragma(on ? 'synchronous = NORMAL' : 'synchronous = FULL');
    this.relaxed = on;
  }

  /** Flushes every commit written so far to disk, off the event loop. */
  async sync(): Promise<void> {
    // The WAL file lives as long as the database is open (it exists once a commit wrote it).
    this.handle ??= open(this.walFile, 'r');
    try {
      await (await this.handle).datasync();
    } catch (err) {
      this.handle = undefined;
      throw err;
    }
  }

  async close(): Promise<void> {
    const h = this.handle;
    this.handle = undefined;
    await (await h)?.close().catch(() => {});
  }
}
