/**
 * One findMessages page of a backfill (#12): its records parsed and sorted
 * out (in the window or not, messages, malformed, not for an inbox), the
 * messages Newton has skipped after one read, and the rest stored and
 * published through the pipeline's recovered-message path, which stores
 * them exactly as their webhooks would have been (`recovered: true`,
 * `backfilled` receipts), a few per transaction.
 */
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { Instance, Logger, RecoveredMessage, RecoveredSink } from '../core/index.js';
import { evolutionInbound, parseHistoryRecord } from '../providers/evolution/history.js';
import type { ParsedEvolutionMessage } from '../providers/evolution/types.js';
import type { ReceiptRecorder } from '../providers/index.js';
import type { Store } from '../store/index.js';
import type { BackfillCounts } from './backfill-types.js';

/** Records parsed per event-loop turn: a page is parsed in slices, so webhooks get in between. */
const SLICE = 25;

export class PageIngester {
  /** Records already left as `rejected` receipts (instance + record), so repeated runs do not repeat them. */
  private readonly reported = new Set<string>();

  constructor(
    private readonly store: Store,
    private readonly sink: RecoveredSink,
    private readonly receipts: ReceiptRecorder,
    private readonly logger: Logger,
    private readonly now: () => number,
  ) {}

  /**
   * Ingests one page's records (oldest first). Resolves, once they are
   * sorted out and the new ones handed to the store, with how many fell in
   * the window and `stored`, which settles when they are committed and
   * published (and counted). Messages Newton has are found in one read and
   * skipped: a periodic run, which mostly sees those, writes nothing for them.
   */
  async ingest(
    instance: Instance,
    records: unknown[],
    since: number,
    until: number,
    counts: BackfillCounts,
    trace: string,
  ): Promise<{ inWindow: number; stored: Promise<void> }> {
    const from = Math.floor(since / 1000) * 1000;
    const messages: ParsedEvolutionMessage[] = [];
    let inWindow = 0;
    let parsed = 0;
    for (const record of [...records].reverse()) {
      if (++parsed % SLICE === 0) await nextTurn();
      const item = parseHistoryRecord(record);
      if (item.kind === 'message') {
        const at = item.message.timestamp;
        if (at < from || at > until) continue;
      }
      inWindow++;
      counts.seen++;
      if (item.kind === 'invalid') {
        counts.invalid++;
        await this.reject(instance, record, item.reason, trace);
      } else if (item.kind !== 'message')
        counts.ignored++; // also reactions and deletions: never messages
      else messages.push(item.message);
    }
    const known = await this.store.inbound.known(
      instance.tenantId,
      instance.id,
      messages.map((m) => m.providerMessageId),
    );
    const fresh = messages.filter((m) => !known.has(m.providerMessageId));
    counts.already_had += messages.length - fresh.length;
    if (fresh.length === 0) return { inWindow, stored: Promise.resolve() };
    const items: RecoveredMessage[] = [];
    for (const message of fresh) {
      if (items.length > 0 && items.length % SLICE === 0) await nextTurn();
      items.push({
        message: { ...evolutionInbound(message, instance), recovered: true },
        receipt: this.receipts.build(trace, this.now(), 0, {
          event: 'backfill',
          instanceName: instance.name,
          tenantId: instance.tenantId,
          instanceId: instance.id,
          outcome: 'backfilled',
          providerMessageId: message.providerMessageId,
        }),
      });
    }
    // A message stored meanwhile by its webhook (or another run) is a duplicate: nothing published.
    const stored = this.sink.ingestRecovered(items, trace).then((results) => {
      for (const result of results) {
        if (result.outcome === 'stored') counts.recovered++;
        else counts.already_had++;
      }
    });
    return { inWindow, stored };
  }

  /** A malformed record: a `rejected` receipt with the reason and the record's text (once per record). */
  private async reject(instance: Instance, record: unknown, reason: string, trace: string): Promise<void> {
    const key = `${instance.id}:${JSON.stringify(record)?.slice(0, 500)}`;
    if (this.reported.has(key)) return;
    if (this.reported.size >= 10_000) this.reported.clear();
    this.reported.add(key);
    this.logger.warn({ trace, instance: instance.name, reason }, 'backfill skipped a malformed record');
    await this.receipts.record(trace, this.now(), 0, {
      event: 'backfill',
      instanceName: instance.name,
      tenantId: instance.tenantId,
      instanceId: instance.id,
      outcome: 'rejected',
      reason: `malformed findMessages record: ${reason}`,
      body: record,
    });
  }
}
