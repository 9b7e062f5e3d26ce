/**
 * Parses webhook bodies without holding other webhooks up. JSON.parse of a
 * body of tens of MiB (Evolution's "webhook base64" puts a whole photo or
 * video in it) takes the event loop for a long time; bodies over
 * WORKER_THRESHOLD_BYTES are parsed on a small pool of worker threads instead,
 * which hand back only the small payload and the decoded media
 * (body-parse.ts). One thread starts with the server (warm(): starting one
 * takes the event loop for tens of ms, better spent before traffic); a second
 * starts when two big bodies overlap. Threads stay, unref'd.
 */
import { Worker } from 'node:worker_threads';
import type { Logger } from '../../core/index.js';
import { type ParseOutcome, parseBody } from './body-parse.js';

/** Bodies up to this size are parsed on the event loop (well under a millisecond of JSON.parse). */
export const WORKER_THRESHOLD_BYTES = 256 * 1024;
/** Worker threads of the pool: big bodies are rare, and each parse already runs beside the event loop. */
export const POOL_THREADS = 2;

interface Job {
  id: number;
  bytes: Uint8Array;
  resolve: (outcome: ParseOutcome) => void;
  reject: (err: Error) => void;
}

interface Thread {
  worker: Worker;
  ready: boolean;
  job: Job | null;
}

/** A pool of body-parsing threads (one per node, shared by every webhook route). */
export class BodyPool {
  private readonly threads: Thread[] = [];
  private readonly queue: Job[] = [];
  private nextId = 0;
  private closed = false;
  /** Set when a thread could not start: bodies are then parsed on the event loop (slow, never lost). */
  private broken = false;

  constructor(
    private readonly logger: Logger,
    private readonly size = POOL_THREADS,
  ) {}

  /** Parses `bytes` (on a worker thread when big; the buffer is then transferred, not copied). */
  parse(bytes: Buffer): Promise<ParseOutcome> {
    if (bytes.byteLength <= WORKER_THRESHOLD_BYTES || this.closed || this.broken) {
      return Promise.resolve(parseBody(bytes));
    }
    return new Promise((resolve, reject) => {
      this.queue.push({ id: ++this.nextId, bytes, resolve, reject });
      this.dispatch();
    });
  }

  /** Starts the first thread ahead of the first big body. */
  warm(): void {
    if (this.threads.length === 0 && !this.closed) this.spawn();
  }

  /** Stops the threads; a parse still queued or running fails. */
  async close(): Promise<void> {
    this.closed = true;
    for (const job of this.queue.splice(0)) job.reject(new Error('body pool closed'));
    await Promise.all(this.threads.splice(0).map((t) => t.worker.terminate()));
  }

  private dispatch(): void {
    if (this.queue.length === 0) return;
    const idle = this.threads.find((t) => t.ready && t.job === null);
    if (idle) this.run(idle);
    else if (this.threads.length < this.size) this.spawn();
  }

  private run(thread: Thread): void {
    const job = this.queue.shift();
    if (!job) return;
    thread.job = job;
    thread.worker.ref();
    const own = job.bytes.byteOffset === 0 && job.bytes.byteLength === job.bytes.buffer.byteLength;
    const bytes = own ? job.bytes : new Uint8Array(job.bytes);
    thread.worker.postMessage({ id: job.id, bytes }, [bytes.buffer as ArrayBuffer]);
  }

  private spawn(): void {
    const worker = new Worker(new URL('./body-worker.mjs', import.meta.url));
    const thread: Thread = { worker, ready: false, job: null };
    this.threads.push(thread);
    worker.unref();
    worker.on('message', (msg: { ready?: true; id?: number; outcome?: ParseOutcome }) => {
      if (msg.ready) thread.ready = true;
      else if (thread.job && msg.outcome) {
        thread.job.resolve(msg.outcome);
        thread.job = null;
        worker.unref();
      }
      this.dispatch();
    });
    const failed = (err: Error) => {
      if (!this.threads.includes(thread)) return;
      this.threads.splice(this.threads.indexOf(thread), 1);
      if (this.closed) return;
      this.logger.error({ err }, 'webhook body parser thread failed');
      // The body is still here only if it was never handed over; a started parse fails.
      thread.job?.reject(err);
      if (!thread.ready) {
        // It never started: another would not either (e.g. no TypeScript loader). Parse here.
        this.broken = true;
        for (const job of this.queue.splice(0)) job.resolve(parseBody(job.bytes));
      } else this.dispatch();
    };
    worker.on('error', failed);
    worker.on('exit', (code) => failed(new Error(`the parser thread exited with code ${code}`)));
  }
}
