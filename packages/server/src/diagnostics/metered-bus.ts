import type { BusHandler, EventBus, EventOrigin, TenantEvent } from '../core/index.js';
import type { NodeMetrics } from './metrics.js';

/**
 * Wraps the node's bus to count what goes through it (events appended and
 * handed to the bus, published, failed; reconnects) and to stamp each event
 * with its publish time, so that receiving nodes can measure publish→send.
 * The bus itself stays ignorant of metrics.
 */
export class MeteredBus implements EventBus {
  readonly kind: EventBus['kind'];
  private readonly unReconnect: () => void;

  constructor(
    private readonly inner: EventBus,
    private readonly metrics: NodeMetrics,
  ) {
    this.kind = inner.kind;
    this.unReconnect = inner.onReconnect(() => metrics.busReconnected());
  }

  async publish(events: readonly TenantEvent[], origin: EventOrigin = {}): Promise<void> {
    if (events.length === 0) return;
    this.metrics.eventsAppended(events.length);
    const started = performance.now();
    try {
      await this.inner.publish(events, { ...origin, publishedAt: Date.now() });
    } catch (err) {
      this.metrics.publishFailed(events.length);
      throw err;
    }
    this.metrics.eventsPublished(events.length, (performance.now() - started) / 1000);
  }

  subscribe(handler: BusHandler): () => void {
    return this.inner.subscribe(handler);
  }

  publishControl(message: string): Promise<void> {
    return this.inner.publishControl(message);
  }

  onControl(handler: (message: string) => void): () => void {
    return this.inner.onControl(handler);
  }

  onReconnect(handler: () => void): () => void {
    return this.inner.onReconnect(handler);
  }

  roundTrip(timeoutMs: number): Promise<number> {
    return this.inner.roundTrip(timeoutMs);
  }

  close(): Promise<void> {
    this.unReconnect();
    return this.inner.close();
  }
}
