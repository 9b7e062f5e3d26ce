import { randomBytes, randomUUID } from 'node:crypto';
import type { EventBody, ProbeResult } from '@newton/protocol';
import type { Instance } from '../core/index.js';
import type { ProbeSink } from '../pipeline/index.js';
import { syntheticInbound } from '../providers/index.js';
import type { Store } from '../store/index.js';

/** The probe's customer: a WhatsApp LID no real account has, so every probe lands in one conversation. */
export const PROBE_LID = '999000000000001';
export const PROBE_NAME = 'Newton probe';
/** How long an announced probe may take to reach the ingestor. */
const PROBE_TTL_MS = 30_000;

/**
 * Probe webhooks this node announced: a message is stored as a probe only
 * when its webhook's trace id was announced here for that tenant. Trace ids
 * are random and never leave the server before the webhook is sent, so an
 * outside caller cannot mark a real message as a probe. A stored probe's
 * events go to the `diagnostics` channel (see ProbeChannel), never to the
 * tenant's log.
 */
export class ProbeRegistry implements ProbeSink {
  private readonly expected = new Map<string, { tenantId: string; until: number }>();
  private channel:
    | { publish(tenantId: string, traceId: string, events: EventBody[]): Promise<void> }
    | undefined;

  /** Where stored probes' events are published (set once the node's bus and gateway exist). */
  connect(channel: { publish(tenantId: string, traceId: string, events: EventBody[]): Promise<void> }): void {
    this.channel = channel;
  }

  publish(tenantId: string, traceId: string, events: EventBody[]): Promise<void> {
    if (!this.channel) return Promise.reject(new Error('diagnostics channel not attached'));
    return this.channel.publish(tenantId, traceId, events);
  }

  expect(traceId: string, tenantId: string): void {
    const now = Date.now();
    for (const [id, p] of this.expected) if (p.until < now) this.expected.delete(id);
    this.expected.set(traceId, { tenantId, until: now + PROBE_TTL_MS });
  }

  /** True when `traceId` is a probe this node announced for `tenantId`. */
  isProbe(traceId: string, tenantId: string): boolean {
    const p = this.expected.get(traceId);
    return p !== undefined && p.tenantId === tenantId && p.until >= Date.now();
  }

  done(traceId: string): void {
    this.expected.delete(traceId);
  }
}

/** Providers a probe can go through, in the order they are tried. */
const PROBE_PROVIDERS = ['evolution', 'cloud'] as const;

/**
 * Posts a synthetic inbound message for the tenant to this node's own
 * webhook URL over HTTP loopback, as the instance's provider would: an
 * Evolution `messages.upsert` authenticated with the instance's stored
 * credentials, or a Cloud API webhook signed with the number's app secret
 * (secrets never leave the server). Reports the webhook's answer.
 */
export async function injectProbe(opts: {
  store: Store;
  registry: ProbeRegistry;
  selfUrl: string;
  nodeId: string;
  tenantId: string;
  instanceName?: string | undefined;
}): Promise<ProbeResult> {
  const traceId = `probe-${randomUUID()}`;
  const base: ProbeResult = {
    ok: false,
    trace_id: traceId,
    instance: null,
    status: null,
    outcome: null,
    message_id: null,
    conversation_id: null,
    seq: [],
    webhook_ms: null,
    node: opts.nodeId,
  };
  const inst = probeInstance(await opts.store.admin.listInstances(opts.tenantId), opts.instanceName);
  if (!inst) {
    const which = opts.instanceName ? ` "${opts.instanceName}"` : '';
    return {
      ...base,
      reason: `tenant ${opts.tenantId} has no evolution instance or cloud number${which} to probe through`,
    };
  }
  const synthetic = syntheticInbound(inst, {
    // Evolution: a LID no real account has. Cloud: the same digits as the sender's wa_id.
    from: inst.provider === 'cloud' ? { phone: PROBE_LID } : { lid: PROBE_LID },
    text: `${PROBE_NAME} ${new Date().toISOString()}`,
    name: PROBE_NAME,
    id: inst.provider === 'cloud' ? undefined : `NEWTONPROBE${randomBytes(8).toString('hex').toUpperCase()}`,
    origin: 'newton-probe',
    source: 'newton-probe',
  });
  if (!synthetic.ok) return { ...base, instance: inst.name, reason: synthetic.reason };
  const { path, headers, body } = synthetic.request;
  opts.registry.expect(traceId, opts.tenantId);
  const started = performance.now();
  try {
    const res = await fetch(`${opts.selfUrl}${path}`, {
      method: 'POST',
      headers: { ...headers, 'x-request-id': traceId },
      body,
      signal: AbortSignal.timeout(10_000),
    });
    const webhookMs = Math.round((performance.now() - started) * 100) / 100;
    const answer = (await res.json().catch(() => ({}))) as Record<string, unknown>;
    const outcome = typeof answer.outcome === 'string' ? answer.outcome : null;
    const ok = res.status === 200 && outcome === 'accepted';
    return {
      ...base,
      ok,
      instance: inst.name,
      status: res.status,
      outcome,
      message_id: typeof answer.message_id === 'string' ? answer.message_id : null,
      conversation_id: typeof answer.conversation_id === 'string' ? answer.conversation_id : null,
      seq: Array.isArray(answer.seq) ? (answer.seq as number[]) : [],
      webhook_ms: webhookMs,
      ...(ok ? {} : { reason: String(answer.reason ?? answer.message ?? `HTTP ${res.status}`) }),
    };
  } catch (err) {
    return { ...base, instance: inst.name, reason: `loopback webhook failed: ${(err as Error).message}` };
  } finally {
    opts.registry.done(traceId);
  }
}

/** The named instance, else the tenant's first Evolution instance, else its first Cloud number. */
function probeInstance(instances: Instance[], name: string | undefined): Instance | undefined {
  const usable = instances.filter((i) => (PROBE_PROVIDERS as readonly string[]).includes(i.provider));
  if (name) return usable.find((i) => i.name === name);
  for (const provider of PROBE_PROVIDERS) {
    const first = usable.find((i) => i.provider === provider);
    if (first) return first;
  }
  return undefined;
}
