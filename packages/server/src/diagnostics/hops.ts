import type { Hop, SocketView, WebhookView } from '@newton/protocol';
import type { Instance, WebhookReceipt } from '../core/index.js';
import type { Store } from '../store/index.js';
import type { CensusResult } from './census.js';
import { hop, iso } from './report.js';

/** Receipt outcomes that mean the webhook got through. */
export const GOOD = new Set(['accepted', 'duplicate', 'ignored', 'account']);

type OutcomeRow = { instanceName: string | null; outcome: string; count: number; lastAt: number };

export function webhookViews(outcomes: OutcomeRow[]): WebhookView[] {
  const by = new Map<string, WebhookView>();
  for (const o of outcomes) {
    const key = o.instanceName ?? '';
    const v = by.get(key) ?? { instance_name: o.instanceName, count: 0, last_at: null, outcomes: {} };
    v.count += o.count;
    v.outcomes[o.outcome] = (v.outcomes[o.outcome] ?? 0) + o.count;
    const last = iso(o.lastAt);
    if (last && (!v.last_at || last > v.last_at)) v.last_at = last;
    by.set(key, v);
  }
  return [...by.values()];
}

export async function webhooksHop(
  store: Store,
  tenantId: string,
  instances: Instance[],
  outcomes: OutcomeRow[],
  since: number,
  hours: number,
): Promise<Hop> {
  const title = 'Webhooks arriving';
  const total = outcomes.reduce((n, o) => n + o.count, 0);
  const evidence = { window_hours: hours, per_instance: webhookViews(outcomes) };
  if (total === 0) {
    return hop(
      'webhooks',
      title,
      instances.length === 0 ? 'skip' : 'warn',
      `no webhook reached tenant ${tenantId} in the last ${hours} h`,
      evidence,
      "point the Evolution instance's webhook at http(s)://<newton>/webhooks/evolution (add ?token=<webhook secret> if the instance has one) and check the unroutable hop",
    );
  }
  // An instance whose newest webhook was rejected (credentials) is failing now.
  for (const inst of instances) {
    const mine = outcomes.filter((o) => o.instanceName === inst.name);
    const lastRejected = Math.max(0, ...mine.filter((o) => o.outcome === 'rejected').map((o) => o.lastAt));
    const lastGood = Math.max(0, ...mine.filter((o) => GOOD.has(o.outcome)).map((o) => o.lastAt));
    if (lastRejected > lastGood) {
      const [latest] = await store.receipts.list({
        tenantId,
        instanceName: inst.name,
        outcome: 'rejected',
        limit: 1,
      });
      const rejected = mine.filter((o) => o.outcome === 'rejected').reduce((n, o) => n + o.count, 0);
      const reason = latest?.reason ?? 'rejected';
      const auth = /credential|apikey|token|secret|signature/i.test(reason);
      const tooLarge = /WEBHOOK_BODY_LIMIT/.test(reason);
      return hop(
        'webhooks',
        title,
        'fail',
        `${rejected} webhook(s) for instance "${inst.name}" rejected since the last accepted one: ${reason}`,
        {
          ...evidence,
          last_rejected_at: iso(lastRejected),
          trace_id: latest?.traceId ?? null,
          since: iso(since),
        },
        tooLarge
          ? "these bodies were dropped as too large: raise WEBHOOK_BODY_LIMIT, or turn off the instance's webhook base64 (Newton fetches the media itself)"
          : auth
            ? `the webhooks carry the wrong API key or none: give Evolution's instance the same key as Newton (newton instance list ${tenantId} shows which is set), or append ?token=<webhook secret> to the webhook URL`
            : 'the webhook body is not what Newton expects: newton receipts --outcome rejected shows the excerpt',
      );
    }
  }
  const last = Math.max(...outcomes.map((o) => o.lastAt));
  const accepted = outcomes.filter((o) => o.outcome === 'accepted').reduce((n, o) => n + o.count, 0);
  return hop(
    'webhooks',
    title,
    'pass',
    `${total} webhook(s) in the last ${hours} h, ${accepted} accepted; last at ${iso(last)}`,
    evidence,
  );
}

export function unroutableHop(
  suspects: WebhookReceipt[],
  lastGood: number,
  instances: Instance[],
  hours: number,
): Hop {
  const title = 'Webhooks routed elsewhere';
  // Rejections of the tenant's own routed webhooks are the webhooks hop's business.
  const current = suspects.filter(
    (r) => r.receivedAt > lastGood && !(r.outcome === 'rejected' && r.tenantId),
  );
  if (suspects.length === 0 || current.length === 0) {
    return hop(
      'unroutable',
      title,
      'pass',
      suspects.length === 0
        ? `no unroutable or rejected webhook mentions this tenant's instances or numbers in the last ${hours} h`
        : `${suspects.length} older unroutable/rejected webhook(s), none since the last accepted one`,
      { count: suspects.length },
    );
  }
  const latest = current[0] as WebhookReceipt;
  const reason = latest.reason ?? '';
  const evidence = {
    count: current.length,
    latest: { instance: latest.instanceName, reason, trace_id: latest.traceId },
  };
  const known = instances.find((i) => i.name === latest.instanceName);
  if (/^unknown instance/.test(reason)) {
    const mine = instances.find((i) => i.number && reason.includes(i.number));
    return hop(
      'unroutable',
      title,
      'fail',
      `${current.length} webhook(s) for unknown instance "${latest.instanceName}"${mine ? ` carry this tenant's number +${mine.number} (instance "${mine.name}")` : ''}: ${reason}`,
      evidence,
      `Evolution calls the instance "${latest.instanceName}"${mine ? ` but Newton knows it as "${mine.name}"` : ''}: register it under Evolution's name (newton instance add ${(mine ?? instances[0])?.tenantId ?? 'TENANT_ID'} --provider evolution --instance ${latest.instanceName} …) or rename it in Evolution`,
    );
  }
  if (/is not the number/.test(reason)) {
    return hop(
      'unroutable',
      title,
      'fail',
      `${current.length} webhook(s) for instance "${latest.instanceName}" come from another WhatsApp number: ${reason}`,
      evidence,
      `the account connected to "${latest.instanceName}" is not the configured number: reconnect the right phone in Evolution, or re-add the instance with --number and the sender's number`,
    );
  }
  return hop(
    'unroutable',
    title,
    'fail',
    `${current.length} webhook(s) mentioning ${known ? `instance "${known.name}"` : "this tenant's number"} were ${latest.outcome}: ${reason}`,
    evidence,
    'newton receipts --outcome unroutable (or rejected) shows each with its body excerpt and trace id',
  );
}

export function busHop(kind: string, census: CensusResult): Hop {
  const title = 'Bus round trip';
  const nodes = census.nodes.map((n) => n.node);
  if (!census.ok) {
    return hop(
      'bus',
      title,
      'fail',
      `the ${kind} bus did not carry a message back: ${census.error}`,
      { kind, error: census.error },
      kind === 'redis'
        ? 'Redis is down or unreachable from this node: start it / check REDIS_URL (redis-cli ping). Webhooks are still stored; sockets catch up from the event log when it returns'
        : 'the in-process bus failed: restart the node and report the logs',
    );
  }
  return hop(
    'bus',
    title,
    'pass',
    `${kind} round trip ${census.roundTripMs} ms; ${nodes.length} node(s) answered: ${nodes.join(', ')}`,
    { kind, round_trip_ms: census.roundTripMs, nodes },
  );
}

export function socketsHop(tenantId: string, sockets: SocketView[], busOk: boolean): Hop {
  const title = 'Sockets connected';
  const total = sockets.reduce((n, s) => n + s.count, 0);
  const deaf = sockets.reduce((n, s) => n + (s.count - (s.channels.messages ?? 0)), 0);
  const scope = busOk ? `${sockets.length} node(s)` : 'this node only (the bus is down)';
  const evidence = { total, not_on_messages: deaf, nodes: sockets };
  if (total === 0) {
    // A night with no agent online is healthy: the probe's own socket proves delivery.
    return hop(
      'sockets',
      title,
      'warn',
      `no socket of tenant ${tenantId} is connected (asked ${scope}): no agent is online`,
      evidence,
      `fine when nobody is working; if an inbox should be open, the frontend must open /ws/conversations/${tenantId}?token=<JWT> and receive connection_established (a refused token is closed with 4401/4403; the server log says "socket refused")`,
    );
  }
  const users = [...new Set(sockets.flatMap((s) => s.users))];
  if (deaf > 0) {
    return hop(
      'sockets',
      title,
      'fail',
      `${deaf} of ${total} socket(s) are not subscribed to "messages": they get no new_message`,
      evidence,
      'the client sent {"type":"unsubscribe","channels":["messages"]}: send {"type":"subscribe","channels":["messages"]} or reconnect (a new socket starts on every channel)',
    );
  }
  return hop(
    'sockets',
    title,
    'pass',
    `${total} socket(s) on ${scope}, ${users.length} user(s), all on "messages"`,
    evidence,
  );
}
