/**
 * The browser signals the service reacts to: `online`/`offline` on window and
 * `visibilitychange` on document. Attached while the service is active,
 * detached by `disconnect()`, `destroy()` and the terminal states.
 */
import type { Clock, DocumentLike, EventTargetLike } from './options.js';

export interface EnvironmentHandlers {
  online(): void;
  offline(): void;
  /** The page became visible; `hiddenForMs` is undefined when the hide was not seen. */
  visible(hiddenForMs: number | undefined): void;
}

export class Environment {
  private attached = false;
  private hiddenAt: number | undefined;

  constructor(
    private readonly win: EventTargetLike | undefined,
    private readonly doc: DocumentLike | undefined,
    private readonly clock: Clock,
    private readonly handlers: EnvironmentHandlers,
  ) {}

  attach(): void {
    if (this.attached) return;
    this.attached = true;
    this.win?.addEventListener('online', this.onOnline);
    this.win?.addEventListener('offline', this.onOffline);
    this.doc?.addEventListener('visibilitychange', this.onVisibility);
  }

  detach(): void {
    if (!this.attached) return;
    this.attached = false;
    this.win?.removeEventListener('online', this.onOnline);
    this.win?.removeEventListener('offline', this.onOffline);
    this.doc?.removeEventListener('visibilitychange', this.onVisibility);
  }

  private readonly onOnline = () => this.handlers.online();
  private readonly onOffline = () => this.handlers.offline();
  private readonly onVisibility = () => {
    if (this.doc?.visibilityState === 'hidden') {
      this.hiddenAt = this.clock.now();
      return;
    }
    const hiddenAt = this.hiddenAt;
    this.hiddenAt = undefined;
    this.handlers.visible(hiddenAt === undefined ? undefined : this.clock.now() - hiddenAt);
  };
}
