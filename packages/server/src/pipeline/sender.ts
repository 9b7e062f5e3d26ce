/**
 * Sends stored replies through their instance's provider, in the background
 * of the node that stored them: one attempt at a time with a timeout,
 * exponential backoff with jitter on retryable failures (network, timeout,
 * 5xx, 429), none on a 4xx, then `sent` with the provider's id or `failed`
 * with its reason. A lease in the store makes exactly one node send a reply;
 * a sweeper resumes replies whose node died (lease expired).
 */
import type { EventBus, Instance, InstanceStateSink, Logger, MediaBlobs } from '../core/index.js';
import { networkSendError, type ProviderRegistry, ProviderSendError } from '../core/index.js';
import { isPlaceholder, type Store } from '../store/index.js';
import { publishCommitted } from './publish.js';
import { dispatchSend } from './send-dispatch.js';

export interface SenderOptions {
  /** One attempt's time limit. @default 10000 */
  timeoutMs: number;
  /** Attempts in all. @default 5 */
  maxAttempts: number;
  /** First backoff; doubles per attempt. @default 1000 */
  retryBaseMs: number;
  /** Backoff cap. @default 30000 */
  retryMaxMs: number;
  /** Resume pending replies older than this that no node sends; 0 disables the sweeper. @default 30000 */
  resumeAfterMs: number;
}

const JITTER = 0.2;
const SWEEP_BATCH = 50;

/** Backoff before attempt `attempt + 1`: base·2^(attempt-1), capped, ±20 % jitter; at least Retry-After. */
export function backoffMs(
  attempt: number,
  opts: Pick<SenderOptions, 'retryBaseMs' | 'retryMaxMs'>,
  retryAfterMs?: number,
): number {
  const exp = Math.min(opts.retryMaxMs, opts.retryBaseMs * 2 ** (attempt - 1));
  const jittered = exp * (1 - JITTER + Math.random() * 2 * JITTER);
  const wanted = retryAfterMs !== undefined ? Math.max(jittered, retryAfterMs) : jittered;
  return Math.round(Math.min(wanted, Math.max(opts.retryMaxMs, 0)));
}

export class ReplySender {
  private readonly inFlight = new Map<string, Promise<void>>();
  private readonly stopping = new AbortController();
  private sweeper: NodeJS.Timeout | undefined;

  constructor(
    private readonly store: Store,
    private readonly bus: EventBus,
    private readonly registry: ProviderRegistry,
    private readonly logger: Logger,
    private readonly opts: SenderOptions,
    /** Where a send error that means "this instance cannot send" (dead token, locked account) is recorded. */
    private readonly states?: InstanceStateSink,
    /** The media store uploads are read back from (media replies). */
    private readonly blobs?: MediaBlobs,
  ) {}

  /** Starts sending a stored reply in the background (no-op if this node already is). */
  schedule(tenantId: string, messageId: string, traceId: string): void {
    if (this.stopping.signal.aborted || this.inFlight.has(messageId)) return;
    const run = this.run(tenantId, messageId, traceId)
      .catch((err) => this.logger.error({ err, trace: traceId, message_id: messageId }, 'reply send crashed'))
      .finally(() => this.inFlight.delete(messageId));
    this.inFlight.set(messageId, run);
  }

  /** Resolves when this node's send of `messageId` (if any) has settled. */
  async settled(messageId: string): Promise<void> {
    await this.inFlight.get(messageId);
  }

  /** Resumes, now and periodically, replies left pending by a node that stopped. */
  startSweeper(): void {
    if (this.opts.resumeAfterMs <= 0 || this.sweeper) return;
    const every = Math.max(1000, Math.floor(this.opts.resumeAfterMs / 2));
    const sweep = () => {
      this.sweep().catch((err) => this.logger.warn({ err }, 'pending-send sweep failed'));
    };
    sweep();
    this.sweeper = setInterval(sweep, every);
    this.sweeper.unref();
  }

  /** Pending replies nobody sends (lease expired) and older than resumeAfterMs are sent again. */
  async sweep(): Promise<number> {
    const now = Date.now();
    const stalled = await this.store.outbound.stalledSends(now, now - this.opts.resumeAfterMs, SWEEP_BATCH);
    for (const s of stalled) {
      this.logger.info({ tenant: s.tenantId, message_id: s.messageId }, 'resuming a pending reply');
      this.schedule(s.tenantId, s.messageId, `resume:${s.messageId}`);
    }
    return stalled.length;
  }

  /** Stops sending: attempts in flight are aborted; their leases expire and the sweeper of any node resumes them. */
  async stop(): Promise<void> {
    if (this.sweeper) clearInterval(this.sweeper);
    this.stopping.abort();
    await Promise.allSettled([...this.inFlight.values()]);
  }

  private leaseUntil(): number {
    return Date.now() + this.opts.timeoutMs + this.opts.retryMaxMs + 5000;
  }

  private async run(tenantId: string, messageId: string, traceId: string): Promise<void> {
    const log = this.logger.child({ trace: traceId, tenant: tenantId, message_id: messageId });
    const job = await this.store.outbound.claimSend(tenantId, messageId, Date.now(), this.leaseUntil());
    if (!job) {
      log.debug('reply not sent here: not pending, or another node holds it');
      return;
    }
    const { instance } = job.target;
    const client = this.registry.get(instance.provider);
    if (!client) {
      await this.fail(
        tenantId,
        messageId,
        'send_not_configured',
        `no provider client for ${instance.provider}`,
        traceId,
        log,
      );
      return;
    }
    for (let attempt = 1; attempt <= this.opts.maxAttempts; attempt++) {
      if (attempt > 1) {
        const renewed = await this.store.outbound.renewSend(messageId, this.leaseUntil());
        if (!renewed.ok) {
          // An echo recorded the provider's id meanwhile: the provider has it.
          if (renewed.providerMessageId && !isPlaceholder(renewed.providerMessageId)) {
            log.info(
              { provider_message_id: renewed.providerMessageId },
              'echo showed the provider took the reply: no retry',
            );
            await this.recordSent(tenantId, messageId, renewed.providerMessageId, traceId, log);
          }
          return;
        }
      }
      const started = Date.now();
      log.info({ attempt, provider: instance.provider, instance: instance.name }, 'send attempt');
      const timeout = AbortSignal.timeout(this.opts.timeoutMs);
      const signal = AbortSignal.any([timeout, this.stopping.signal]);
      try {
        const { providerMessageId } = await dispatchSend(
          client,
          job,
          { store: this.store, blobs: this.blobs },
          signal,
        );
        log.info(
          { attempt, provider_message_id: providerMessageId, ms: Date.now() - started },
          'provider accepted the reply',
        );
        await this.recordSent(tenantId, messageId, providerMessageId, traceId, log);
        return;
      } catch (raw) {
        if (this.stopping.signal.aborted) {
          log.info({ attempt }, 'node stopping: the reply stays pending and will be resumed');
          await this.store.outbound.releaseSend(messageId).catch(() => {});
          return;
        }
        const err = raw instanceof ProviderSendError ? raw : networkSendError(raw, timeout.aborted);
        const fields = {
          attempt,
          code: err.code,
          status: err.status,
          retryable: err.retryable,
          reason: err.reason,
          ms: Date.now() - started,
        };
        if (!err.retryable || attempt === this.opts.maxAttempts) {
          log.warn(
            fields,
            err.retryable
              ? 'send attempt failed: no attempts left'
              : 'send refused by the provider: not retried',
          );
          await this.fail(tenantId, messageId, err.code, err.reason, traceId, log);
          await this.instanceProblem(instance, err, traceId, log);
          return;
        }
        const wait = backoffMs(attempt, this.opts, err.retryAfterMs);
        log.warn({ ...fields, retry_in_ms: wait }, 'send attempt failed: will retry');
        if (!(await this.sleep(wait))) {
          await this.store.outbound.releaseSend(messageId).catch(() => {});
          return;
        }
      }
    }
  }

  private async recordSent(
    tenantId: string,
    messageId: string,
    providerMessageId: string,
    traceId: string,
    log: Logger,
  ) {
    const r = await this.store.outbound.recordSent({
      tenantId,
      messageId,
      providerMessageId,
      at: Date.now(),
    });
    if (r.outcome === 'conflict') {
      log.warn(
        { provider_message_id: providerMessageId, other_message_id: r.otherMessageId },
        'another message already holds this provider id (its echo was stored apart)',
      );
    }
    log.info(
      { provider_message_id: providerMessageId, seq: r.events.map((e) => e.seq) },
      'status applied: sent',
    );
    await publishCommitted(this.bus, r.events, traceId, log);
  }

  private async fail(
    tenantId: string,
    messageId: string,
    code: string,
    message: string,
    traceId: string,
    log: Logger,
  ) {
    const state = await this.store.outbound.sendState(messageId);
    if (state?.status === 'pending' && !isPlaceholder(state.providerMessageId)) {
      // Its echo arrived meanwhile: the provider has it after all.
      await this.recordSent(tenantId, messageId, state.providerMessageId, traceId, log);
      return;
    }
    const r = await this.store.outbound.markFailed({
      tenantId,
      messageId,
      error: { code, message },
      at: Date.now(),
    });
    log.warn(
      { code, reason: message, seq: r.events.map((e) => e.seq) },
      r.changed ? 'status applied: failed' : 'reply already past failed',
    );
    await publishCommitted(this.bus, r.events, traceId, log);
  }

  /**
   * Records the instance as `close` (or `unknown`, as the problem says) when
   * the provider's error says it cannot send at all. Only a later check (or
   * an Evolution `open`) re-opens it: a successful send alone does not.
   */
  private async instanceProblem(instance: Instance, err: ProviderSendError, traceId: string, log: Logger) {
    const problem = err.instanceProblem;
    if (!problem || !this.states) return;
    try {
      await this.states.record(
        {
          tenantId: instance.tenantId,
          instanceId: instance.id,
          state: problem.state ?? 'close',
          reason: problem.reason,
          detail: problem.detail,
          at: Date.now(),
          source: 'send',
        },
        traceId,
      );
    } catch (e) {
      log.error({ err: e, instance: instance.name }, 'could not record the instance state of a send error');
    }
  }

  /** Waits `ms`; false when the node is stopping. */
  private sleep(ms: number): Promise<boolean> {
    const signal = this.stopping.signal;
    if (signal.aborted) return Promise.resolve(false);
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        signal.removeEventListener('abort', onAbort);
        resolve(true);
      }, ms);
      const onAbort = () => {
        clearTimeout(t);
        resolve(false);
      };
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }
}
