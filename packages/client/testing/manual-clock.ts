/**
 * A clock the test moves by hand (tests only). Time stands still until
 * `advance()` (which runs the timers that fall due, each at its own time) or
 * `jump()` (which moves time without running anything: a laptop whose timers
 * were frozen while it slept). Real sockets keep working meanwhile.
 */
import type { Clock } from '../src/options.js';

interface Timer {
  id: number;
  at: number;
  fn: () => void;
}

export class ManualClock implements Clock {
  private t: number;
  private nextId = 1;
  private readonly timers = new Map<number, Timer>();

  constructor(start = Date.parse('2026-01-01T00:00:00Z')) {
    this.t = start;
  }

  readonly now = (): number => this.t;

  readonly setTimeout = (fn: () => void, ms: number): unknown => {
    const id = this.nextId++;
    this.timers.set(id, { id, at: this.t + Math.max(0, ms), fn });
    return id;
  };

  readonly clearTimeout = (handle: unknown): void => {
    if (typeof handle === 'number') this.timers.delete(handle);
  };

  /** Moves time forward by `ms`, running every timer that falls due, in order, at its due time. */
  advance(ms: number): void {
    const end = this.t + ms;
    for (;;) {
      let next: Timer | undefined;
      for (const timer of this.timers.values()) {
        if (timer.at <= end && (!next || timer.at < next.at || (timer.at === next.at && timer.id < next.id)))
          next = timer;
      }
      if (!next) break;
      this.timers.delete(next.id);
      this.t = Math.max(this.t, next.at);
      next.fn();
    }
    this.t = end;
  }

  /** Moves time forward without running any timer. */
  jump(ms: number): void {
    this.t += ms;
  }

  /** Timers waiting. */
  get pending(): number {
    return this.timers.size;
  }

  /** Due time of the earliest timer, if any. */
  nextDue(): number | undefined {
    let at: number | undefined;
    for (const timer of this.timers.values()) if (at === undefined || timer.at < at) at = timer.at;
    return at;
  }
}
