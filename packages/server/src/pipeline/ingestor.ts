import type { EventBody } from '@newton/protocol';
import type {
  EventBus,
  InboundMessage,
  IngestResult,
  IngestSink,
  Logger,
  RecoveredMessage,
  RecoveredSink,
  WebhookReceipt,
} from '../core/index.js';
import { lazyChild } from '../core/index.js';
import type { Store } from '../store/index.js';
import { publishCommitted } from './publish.js';

/**
 * Diagnostics' probes as the write path sees them: which webhooks are probes,
 * and where their events go instead of the tenant's log and bus.
 */
export interface ProbeSink {
  isProbe(traceId: string, tenantId: string): boolean;
  /** Hands a stored probe's events to the sockets that asked for them (the `diagnostics` channel). */
  publish(tenantId: string, traceId: string, events: EventBody[]): Promise<void>;
}

/**
 * The write path every provider shares: store durably (message, lead,
 * conversation and their events in one transaction), then publish. A bus
 * failure never fails the webhook: the event log has the events and every
 * node catches up from it.
 */
export class Ingestor implements IngestSink, RecoveredSink {
  constructor(
    private readonly store: Store,
    private readonly bus: EventBus,
    private readonly logger: Logger,
    /** Probe webhooks announced by this node (diagnostics): their messages are stored as probes. */
    private readonly probes?: ProbeSink,
    /**
     * Told of each message stored and published that opened its conversation
     * (not probes): the round-robin assignment (#15). The others cost it no read.
     */
    private readonly afterStored?: (tenantId: string, messageId: string, traceId: string) => Promise<void>,
  ) {}

  /** Stores and publishes; `receipt` is committed with the message (its outcome and id filled in). */
  async ingest(message: InboundMessage, traceId: string, receipt?: WebhookReceipt): Promise<IngestResult> {
    const log = lazyChild(this.logger, { trace: traceId, tenant: message.tenantId });
    if (this.probes?.isProbe(traceId, message.tenantId)) message = { ...message, isProbe: true };
    const result = await this.store.inbound.message(message, receipt);
    if (result.outcome === 'duplicate') {
      log.info(
        { provider_message_id: message.providerMessageId, message_id: result.messageId },
        'duplicate message: already stored, nothing published',
      );
      return result;
    }
    log.info(
      {
        message_id: result.messageId,
        seq: result.events.map((e) => e.seq),
        provider_message_id: message.providerMessageId,
      },
      result.outcome === 'echo' ? 'echo of a reply matched to the stored message' : 'message stored',
    );
    await publishCommitted(this.bus, result.events, traceId, log);
    if (result.outcome === 'stored' && result.newConversation && !message.isProbe && this.afterStored)
      await this.afterStored(message.tenantId, result.messageId, traceId);
    if (result.outcome === 'stored' && result.probeEvents && this.probes) {
      await this.probes
        .publish(message.tenantId, traceId, result.probeEvents)
        .catch((err: Error) => log.warn({ err }, 'probe events not published'));
    }
    return result;
  }

  /**
   * Messages recovered by backfill: stored a chunk per transaction (store
   * inbound.recovered), each chunk's events published once it is committed,
   * one log line per chunk. None is a probe (probes are webhooks).
   */
  async ingestRecovered(items: RecoveredMessage[], traceId: string): Promise<IngestResult[]> {
    const tenant = items[0]?.message.tenantId;
    if (tenant === undefined) return [];
    const log = this.logger.child({ trace: traceId, tenant });
    const chunks = this.store.inbound.recovered(items).map(async (chunk) => {
      const results = await chunk;
      const events = results.flatMap((r) => r.events);
      const duplicates = results.filter((r) => r.outcome === 'duplicate').length;
      log.info(
        { stored: results.length - duplicates, duplicates, seq: [events[0]?.seq, events.at(-1)?.seq] },
        'recovered messages stored',
      );
      await publishCommitted(this.bus, events, traceId, log);
      return results;
    });
    return (await Promise.all(chunks)).flat();
  }
}
