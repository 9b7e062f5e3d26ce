/**
 * Frames `send()` could not deliver because no socket was live. Off by
 * default (they are dropped); when enabled, bounded: the oldest gives way.
 * Every drop is reported, never silent.
 */
import type { DroppedFrame } from './emitter.js';

/** `sent`: written to the live socket; `queued`: kept for the next one; `dropped`: reported with a `dropped` event. */
export type SendResult = 'sent' | 'queued' | 'dropped';

export class SendQueue {
  private frames: unknown[] = [];

  constructor(
    private readonly enabled: boolean,
    private readonly max: number,
    private readonly onDrop: (drop: DroppedFrame) => void,
  ) {}

  /** Keeps `frame` for the next connection; false when it was dropped instead (queue off). */
  push(frame: unknown): boolean {
    if (!this.enabled || this.max <= 0) {
      this.onDrop({ frame, reason: 'not_connected' });
      return false;
    }
    this.frames.push(frame);
    while (this.frames.length > this.max) this.onDrop({ frame: this.frames.shift(), reason: 'queue_full' });
    return true;
  }

  /** Hands every queued frame to `send`, in order; stops (keeping the rest) when `send` fails. */
  flush(send: (frame: unknown) => boolean): void {
    while (this.frames.length > 0) {
      if (!send(this.frames[0])) return;
      this.frames.shift();
    }
  }

  /** Drops everything (the service stopped), reporting each frame. */
  clear(): void {
    const frames = this.frames;
    this.frames = [];
    for (const frame of frames) this.onDrop({ frame, reason: 'closed' });
  }
}
