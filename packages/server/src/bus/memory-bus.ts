import type { AppendedEvent } from '../store/index.js';
import type { BusHandler, EventBus } from './types.js';

/** The embedded default: one process, handlers called synchronously on publish. */
export class MemoryBus implements EventBus {
  readonly kind = 'memory';
  private readonly handlers = new Set<BusHandler>();

  async publish(events: readonly AppendedEvent[]): Promise<void> {
    for (const event of events) {
      for (const handler of this.handlers) handler(event);
    }
  }

  subscribe(handler: BusHandler): () => void {
    this.handlers.add(handler);
    return () => this.handlers.delete(handler);
  }

  onReconnect(): () => void {
    return () => {};
  }

  async roundTrip(): Promise<number> {
    return 0;
  }

  async close(): Promise<void> {
    this.handlers.clear();
  }
}
