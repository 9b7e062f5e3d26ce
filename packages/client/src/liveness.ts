/**
 * Liveness of one socket, from the client's side: a JSON `ping` every
 * interval, and a deadline by which a frame (the `pong`, or any other) must
 * arrive. The deadline is a point on the clock, compared with `clock.now()`
 * whenever anything happens — a timer, a `visibilitychange`, an `online`
 * event, a `send()` — so a laptop that wakes after an hour, whose timers were
 * frozen or fire late, sees at once that the socket it held is stale, and a
 * half-open TCP connection (no FIN, no RST, just silence) is replaced within
 * `pongTimeoutMs` of the ping that went unanswered.
 */
import type { Clock } from './options.js';

export class Liveness {
  /** Clock time by which a frame must arrive; undefined while no ping is outstanding. */
  private deadline: number | undefined;
  private nextPingAt = 0;
  private timer: unknown;
  private stopped = false;

  constructor(
    private readonly clock: Clock,
    private readonly intervalMs: number,
    private readonly timeoutMs: number,
    private readonly ping: () => void,
    /** Called once, with how far past the deadline the check happened. */
    private readonly onDead: (overdueMs: number) => void,
  ) {
    this.nextPingAt = clock.now() + intervalMs;
    this.arm();
  }

  /** A frame arrived: the socket is alive. */
  heard(): void {
    if (this.deadline === undefined) return;
    this.deadline = undefined;
    this.arm();
  }

  /** Checks the deadline against the clock now; true (and onDead called) when it has passed. */
  check(): boolean {
    if (this.stopped) return true;
    const now = this.clock.now();
    if (this.deadline === undefined || now < this.deadline) return false;
    this.stop();
    this.onDead(now - this.deadline);
    return true;
  }

  /** Checks now, and unless a ping is already outstanding, pings now (after a wake-up or a network change). */
  probe(): void {
    if (this.check() || this.deadline !== undefined) return;
    this.sendPing();
    this.arm();
  }

  stop(): void {
    this.stopped = true;
    this.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  private tick(): void {
    if (this.check()) return;
    if (this.clock.now() >= this.nextPingAt && this.deadline === undefined) this.sendPing();
    this.arm();
  }

  private sendPing(): void {
    const now = this.clock.now();
    this.deadline = now + this.timeoutMs;
    this.nextPingAt = now + this.intervalMs;
    this.ping();
  }

  private arm(): void {
    if (this.stopped) return;
    this.clock.clearTimeout(this.timer);
    // While a ping is outstanding, the next thing that can happen is its deadline.
    const at = this.deadline ?? this.nextPingAt;
    this.timer = this.clock.setTimeout(() => this.tick(), Math.max(0, at - this.clock.now()));
  }
}
