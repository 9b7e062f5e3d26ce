import { Worker } from 'node:worker_threads';

/**
 * SQLite copies the WAL back into the database file at checkpoints. Left to
 * itself it does so inside whichever commit crosses 1,000 pages — on the
 * event loop, stalling every webhook and socket for the duration. Here a
 * worker thread with its own connection runs PASSIVE checkpoints (which never
 * block writers) every `intervalMs`; the main connection's automatic
 * checkpoint stays as a backstop at a much larger WAL.
 */
export class Checkpointer {
  private readonly worker: Worker;

  constructor(file: string, intervalMs: number, onError: (message: string) => void) {
    this.worker = new Worker(new URL('./checkpointer.worker.mjs', import.meta.url), {
      workerData: { file, intervalMs },
    });
    this.worker.on('message', (msg: { error?: string }) => {
      if (msg.error) onError(msg.error);
    });
    this.worker.on('error', (err) => onError(err.message));
    this.worker.unref();
  }

  async stop(): Promise<void> {
    // Referenced again while stopping, or an otherwise idle process would exit mid-await.
    this.worker.ref();
    await this.worker.terminate();
  }
}
