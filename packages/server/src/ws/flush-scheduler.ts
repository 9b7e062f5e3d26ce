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
  private soon: Flushable[] = [];
  private soonScheduled = false;
  /** Targets of big fan-outs, flushed once the event loop has read its pending I/O. */
  private late: Flushable[] = [];
  private lateScheduled = false;

  /** Queues `target` for one flush (see the class comment for `afterIo`). */
  schedule(target: Flushable, afterIo = false): void {
    if (afterIo) {
      this.late.push(target);
      if (!this.lateScheduled) {
        this.lateScheduled = true;
        setImmediate(this.hopLate);
      }
      return;
    }
    this.soon.push(target);
    if (!this.soonScheduled) {
      this.soonScheduled = true;
      queueMicrotask(this.flushSoon);
    }
  }

  private readonly flushSoon = (): void => {
    const batch = this.soon;
    this.soon = [];
    this.soonScheduled = false;
    for (const f of batch) f.flush();
  };

  private readonly hopLate = (): void => {
    setImmediate(this.flushLate);
  };

  private readonly flushLate = (): void => {
    const batch = this.late;
    this.late = [];
    this.lateScheduled = false;
    for (const f of batch) f.flush();
  };
}
