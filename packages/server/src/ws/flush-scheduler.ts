export interface Flushable {
  flush(): void;
}

/**
 * Flushes each target once, however many frames were queued for it
 * meanwhile: at the end of the current turn (a microtask: before any further
 * I/O is read), or, with `afterIo`, two setImmediate hops later — after the
 * event loop has polled for I/O once more and run what that scheduled (the
 * write batcher's next commit, say). A burst of webhooks that commits in two
 * or three groups then still reaches each socket in one write instead of one
 * per group; it is meant for events going to many sockets, where the writes,
 * not the wait, dominate (issue #3, bursts: one write per socket per burst).
 *
 * The Gateway owns one and hands it to its connections.
 */
export class FlushScheduler {
  private readonly soon = new FlushQueue(queueMicrotask);
  /** Targets of big fan-outs, flushed once the event loop has read its pending I/O. */
  private readonly late = new FlushQueue((run) => setImmediate(() => setImmediate(run)));

  /** Queues `target` for one flush (see the class comment for `afterIo`). */
  schedule(target: Flushable, afterIo = false): void {
    (afterIo ? this.late : this.soon).add(target);
  }
}

/** Targets waiting for one flush, run together when `scheduleRun` calls back. */
class FlushQueue {
  private targets: Flushable[] = [];
  private scheduled = false;

  constructor(private readonly scheduleRun: (run: () => void) => void) {}

  add(target: Flushable): void {
    this.targets.push(target);
    if (this.scheduled) return;
    this.scheduled = true;
    this.scheduleRun(this.run);
  }

  private readonly run = (): void => {
    const batch = this.targets;
    this.targets = [];
    this.scheduled = false;
    for (const f of batch) f.flush();
  };
}
