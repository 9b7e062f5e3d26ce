import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { WebhookReceipt } from '../core/index.js';
import type { Store } from '../store/index.js';

/** One step of a message's journey, from the database or from a node's log. */
export interface TraceStep {
  at: string;
  hop:
    | 'received'
    | 'routed'
    | 'stored'
    | 'published'
    | 'delivered'
    | 'unroutable'
    | 'rejected'
    | 'event'
    | 'log';
  ok: boolean;
  /** `database`, or the node id of the log line. */
  source: string;
  detail: string;
}

export interface TraceResult {
  query: string;
  found: boolean;
  message: Record<string, unknown> | null;
  trace_ids: string[];
  steps: TraceStep[];
  /** Log files read, and lines of this journey found in them. */
  logs: { files: string[]; lines: number; unreadable: string[] };
}

const iso = (ms: number) => new Date(Number(ms)).toISOString();

/**
 * What the database knows of one message (by Newton id, provider message id
 * or trace id): its receipts, the message row, and the events that mention it.
 */
async function fromDatabase(store: Store, query: string): Promise<Omit<TraceResult, 'logs'>> {
  const messages = await store.db
    .selectFrom('messages')
    .select([
      'id',
      'tenant_id',
      'conversation_id',
      'instance_id',
      'provider',
      'provider_message_id',
      'direction',
      'type',
      'status',
      'created_at',
      'arrival_seq',
      'is_probe',
    ])
    .where((eb) => eb.or([eb('id', '=', query), eb('provider_message_id', '=', query)]))
    .limit(5)
    .execute();
  const m = messages[0];
  const receipts: WebhookReceipt[] = await store.receipts.find(
    m
      ? { messageId: m.id, providerMessageId: m.provider_message_id }
      : { traceId: query, providerMessageId: query },
  );
  const steps: TraceStep[] = [];
  for (const r of receipts) {
    const bad = r.outcome === 'unroutable' || r.outcome === 'rejected';
    steps.push({
      at: iso(r.receivedAt),
      hop: bad ? (r.outcome as 'unroutable' | 'rejected') : 'received',
      ok: !bad,
      source: 'database',
      detail: `receipt ${r.outcome}: ${r.provider} ${r.event ?? '-'} instance ${r.instanceName ?? '-'} → tenant ${r.tenantId ?? '-'}${r.reason ? ` (${r.reason})` : ''}, ${r.bodySize} bytes, trace ${r.traceId}`,
    });
  }
  let message: Record<string, unknown> | null = null;
  if (m) {
    const instance = await store.admin.getInstance(m.instance_id);
    message = {
      id: m.id,
      tenant_id: m.tenant_id,
      conversation_id: m.conversation_id,
      instance: instance?.name ?? m.instance_id,
      provider: m.provider,
      provider_message_id: m.provider_message_id,
      direction: m.direction,
      type: m.type,
      status: m.status,
      probe: Number(m.is_probe) === 1,
    };
    const events = await store.db
      .selectFrom('events')
      .select(['seq', 'type', 'created_at'])
      .where('tenant_id', '=', m.tenant_id)
      .where((eb) =>
        eb.or([
          // new_message, and the lead events written in the same transaction just before it.
          ...(m.arrival_seq != null
            ? [
                eb.and([
                  eb('seq', '>=', Number(m.arrival_seq) - 2),
                  eb('seq', '<=', Number(m.arrival_seq)),
                  eb('created_at', '=', m.created_at),
                ]),
              ]
            : []),
          eb('payload', 'like', `%"${m.id}"%`),
        ]),
      )
      .orderBy('seq')
      .limit(50)
      .execute();
    steps.push({
      at: iso(m.created_at),
      hop: 'stored',
      ok: true,
      source: 'database',
      detail: `message ${m.id} stored for tenant ${m.tenant_id} (conversation ${m.conversation_id}); events ${events.map((e) => `${e.seq} ${e.type}`).join(', ') || 'none (pruned?)'}`,
    });
    for (const e of events) {
      if (m.arrival_seq != null && Number(e.seq) <= Number(m.arrival_seq)) continue;
      steps.push({
        at: iso(e.created_at),
        hop: 'event',
        ok: true,
        source: 'database',
        detail: `event ${e.seq} ${e.type}`,
      });
    }
  }
  const traceIds = [...new Set(receipts.map((r) => r.traceId))];
  if (!m && traceIds.length === 0 && query.length > 0) traceIds.push(query);
  return { query, found: Boolean(m) || receipts.length > 0, message, trace_ids: traceIds, steps };
}

const HOPS: Record<string, TraceStep['hop']> = {
  'webhook received': 'received',
  'webhook routed': 'routed',
  'message stored': 'stored',
  'events published': 'published',
  'event delivered to sockets': 'delivered',
  'webhook unroutable': 'unroutable',
  'webhook rejected': 'rejected',
};

function logStep(line: Record<string, unknown>): TraceStep {
  const msg = String(line.msg ?? '');
  const hop = HOPS[msg] ?? (msg.startsWith('publish failed') ? 'published' : 'log');
  const seq = Array.isArray(line.seq) ? line.seq.join(',') : line.seq;
  const parts: string[] = [msg];
  if (line.event) parts.push(`event ${line.event}`);
  if (line.instance) parts.push(`instance ${line.instance}`);
  if (line.tenant) parts.push(`tenant ${line.tenant}`);
  if (line.auth) parts.push(`auth ${line.auth}`);
  if (line.message_id) parts.push(`message ${line.message_id}`);
  if (seq !== undefined) parts.push(`seq ${seq}`);
  if (line.type) parts.push(String(line.type));
  if (line.sockets !== undefined) parts.push(`→ ${line.sockets} socket(s)`);
  if (line.bus) parts.push(`via ${line.bus}`);
  if (line.reason) parts.push(`(${line.reason})`);
  const ok = !(hop === 'unroutable' || hop === 'rejected' || msg.startsWith('publish failed'));
  return {
    at: iso(Number(line.time ?? 0)),
    hop,
    ok,
    source: String(line.node ?? 'log'),
    detail: parts.join(', '),
  };
}

/** Lines of pino JSON logs that carry one of `traceIds` (or mention `messageId`). */
async function fromLogs(
  files: string[],
  traceIds: string[],
  messageId: string | undefined,
): Promise<{ steps: TraceStep[]; lines: number; unreadable: string[] }> {
  const steps: TraceStep[] = [];
  const unreadable: string[] = [];
  const needles = [...traceIds, ...(messageId ? [messageId] : [])].filter((n) => n.length >= 8);
  if (needles.length === 0) return { steps, lines: 0, unreadable };
  for (const file of files) {
    try {
      const rl = createInterface({
        input: createReadStream(file, 'utf8'),
        crlfDelay: Number.POSITIVE_INFINITY,
      });
      for await (const text of rl) {
        if (!needles.some((n) => text.includes(n))) continue;
        let line: Record<string, unknown>;
        try {
          line = JSON.parse(text) as Record<string, unknown>;
        } catch {
          continue;
        }
        const trace = typeof line.trace === 'string' ? line.trace : undefined;
        if ((trace && traceIds.includes(trace)) || (messageId && line.message_id === messageId)) {
          steps.push(logStep(line));
        }
      }
    } catch (err) {
      unreadable.push(`${file}: ${(err as Error).message}`);
    }
  }
  return { steps, lines: steps.length, unreadable };
}

/** One message's journey across the database and the given nodes' logs, in time order. */
export async function traceMessage(store: Store, query: string, logFiles: string[]): Promise<TraceResult> {
  const db = await fromDatabase(store, query);
  const logs = await fromLogs(logFiles, db.trace_ids, db.message?.id as string | undefined);
  const order: Record<TraceStep['hop'], number> = {
    received: 0,
    rejected: 1,
    unroutable: 1,
    routed: 2,
    stored: 3,
    published: 4,
    delivered: 5,
    event: 6,
    log: 7,
  };
  const steps = [...db.steps, ...logs.steps].sort((a, b) =>
    a.at === b.at ? order[a.hop] - order[b.hop] : a.at < b.at ? -1 : 1,
  );
  return {
    ...db,
    found: db.found || logs.steps.length > 0,
    steps,
    logs: { files: logFiles, lines: logs.lines, unreadable: logs.unreadable },
  };
}
