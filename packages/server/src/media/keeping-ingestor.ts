import type {
  InboundMessage,
  IngestResult,
  IngestSink,
  RecoveredMessage,
  RecoveredSink,
  WebhookReceipt,
} from '../core/index.js';
import type { MediaKeeper } from './keeper.js';

/**
 * The write path with the media keeper behind it: every message with media
 * that is newly stored (from a webhook or recovered by backfill) is handed
 * to the keeper once committed (its `pending` record committed with it);
 * duplicates, echoes and probes are not. The answer never waits for the media.
 */
export class MediaKeepingIngestor implements IngestSink, RecoveredSink {
  constructor(
    private readonly inner: IngestSink & RecoveredSink,
    private readonly keeper: MediaKeeper,
  ) {}

  async ingest(message: InboundMessage, traceId: string, receipt?: WebhookReceipt): Promise<IngestResult> {
    const result = await this.inner.ingest(message, traceId, receipt);
    this.handOver(message, result, traceId);
    return result;
  }

  async ingestRecovered(items: RecoveredMessage[], traceId: string): Promise<IngestResult[]> {
    const results = await this.inner.ingestRecovered(items, traceId);
    results.forEach((r, i) => {
      const item = items[i];
      if (item) this.handOver(item.message, r, traceId);
    });
    return results;
  }

  private handOver(m: InboundMessage, r: IngestResult, traceId: string): void {
    if (r.outcome !== 'stored' || r.probeEvents || !m.extra.media) return;
    this.keeper.fetchStored(
      m.tenantId,
      r.messageId,
      traceId,
      m.inlineMedia ? { bytes: m.inlineMedia, sha256: m.inlineMediaSha256 } : undefined,
    );
  }
}
