import type {
  EventBus,
  LeadProfileOutcome,
  LeadProfileUpdate,
  LeadSink,
  Logger,
  NumberChange,
  NumberChangeOutcome,
  WebhookReceipt,
} from '../core/index.js';
import type { Store } from '../store/index.js';
import { publishCommitted } from './publish.js';

/**
 * Applies lead changes providers report without a message of the lead's
 * own (#13): contact sync (name, picture) and a customer's new number. Each
 * is committed with its events (store/leads.ts), then published.
 */
export class LeadUpdater implements LeadSink {
  constructor(
    private readonly store: Store,
    private readonly bus: EventBus,
    private readonly logger: Logger,
  ) {}

  async profile(update: LeadProfileUpdate, traceId: string): Promise<LeadProfileOutcome> {
    const log = this.logger.child({ trace: traceId, tenant: update.tenantId });
    const result = await this.store.leads.profile(update);
    if (result.outcome !== 'applied') {
      log.info({ result: result.outcome }, 'contact update not applied');
      return result;
    }
    const seq = result.events.map((e) => e.seq);
    log.info({ lead_id: result.leadId, seq }, 'lead profile updated');
    await publishCommitted(this.bus, result.events, traceId, log);
    return { outcome: 'applied', leadId: result.leadId, seq };
  }

  async changeNumber(
    change: NumberChange,
    traceId: string,
    receipt?: WebhookReceipt,
  ): Promise<NumberChangeOutcome> {
    const log = this.logger.child({ trace: traceId, tenant: change.notice.tenantId });
    const { events, ...result } = await this.store.leads.changeNumber(change, receipt);
    log.info(
      { result: result.outcome, ...(result.outcome === 'ignored' ? { reason: result.reason } : {}) },
      'lead number change',
    );
    await publishCommitted(this.bus, events, traceId, log);
    return result;
  }
}
