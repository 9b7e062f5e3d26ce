import type { BusHandler, EventBus, EventOrigin, TenantEvent } from '../core/index.js';

/** The embedded default: one process, handlers called synchronously on publish. */
export class MemoryBus implements EventBus {
  readonly kind = 'memory';
  private readonly handlers = new Set<BusHandler>();
  private readonly controlHandlers = new Set<(message: string) => void>();

  async publish(events: readonly TenantEvent[], origin: EventOrigin = {}): Promise<void> {
    for (const event of events) {
      for (const handler of this.handlers) handler(event, origin);
    }
  }

  subscribe(handler: BusHandler): () => void {
    this.handlers.add(handler);
    return () => this.handlers.delete(handler);
  }

  async publishControl(message: string): Promise<void> {
    for (const handler of this.controlHandlers) handler(message);
  }

  onControl(handler: (message: string) => void): () => void {
    this.controlHandlers.add(handler);
    return () => this.controlHandlers.delete(handler);
  }

  onReconnect(): () => void {
    return () => {};
  }

  async roundTrip(): Promise<number> {
    return 0;
  }

  async close(): Promise<void> {
    this.handlers.clear();
    this.controlHandlers.clear();
  }
}
