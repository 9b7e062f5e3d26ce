/**
 * Round-robin auto-assignment (#15): when a tenant's `auto_assign` is on, a
 * message that starts a conversation gives it to the next online agent (an
 * enabled user whose presence is `online` on any node: the gateway's
 * presence tracker, behind core's `OnlineUsers`). An agent who set `away`
 * gets none until back `online`, as in Chatwoot's "available" agents. Runs
 * on the node that stored the message, after its `new_message` is published;
 * the assignment is its own `conversation_updated`.
 */
import type { EventBus, Logger, OnlineUsers } from '../core/index.js';
import type { Store } from '../store/index.js';
import { publishCommitted } from './publish.js';

const SETTING_TTL_MS = 5000;

export class AutoAssigner {
  /** tenant → whether auto_assign is on, and when that was read. */
  private readonly settings = new Map<string, { on: boolean; at: number }>();

  constructor(
    private readonly store: Store,
    private readonly bus: EventBus,
    private readonly online: OnlineUsers,
    private readonly log: Logger,
  ) {}

  /** Forget the cached setting (after it was changed on this node). */
  settingChanged(tenantId: string): void {
    this.settings.delete(tenantId);
  }

  private async enabled(tenantId: string): Promise<boolean> {
    const hit = this.settings.get(tenantId);
    if (hit && Date.now() - hit.at < SETTING_TTL_MS) return hit.on;
    const on = (await this.store.users.autoAssign(tenantId)) ?? false;
    this.settings.set(tenantId, { on, at: Date.now() });
    return on;
  }

  /** A message that opened its conversation was stored (not a duplicate, not a probe): assign it. */
  async stored(tenantId: string, messageId: string, traceId: string): Promise<void> {
    try {
      if (!(await this.enabled(tenantId))) return;
      const online = this.online.online(tenantId);
      if (online.length === 0) return;
      const result = await this.store.assignment.autoAssign(tenantId, messageId, online);
      if (result.outcome !== 'assigned') return;
      const log = this.log.child({ trace: traceId, tenant: tenantId });
      log.info(
        { conversation_id: result.conversation.id, assignee: result.assigneeId },
        'conversation auto-assigned',
      );
      await publishCommitted(this.bus, result.events, traceId, log);
    } catch (err) {
      this.log.warn({ err, tenant: tenantId }, 'auto-assignment failed');
    }
  }
}
