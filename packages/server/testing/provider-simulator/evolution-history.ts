/**
 * Evolution API v2's message store on the provider simulator (backfill, #12):
 * what `DATABASE_SAVE_DATA_NEW_MESSAGE=true` keeps, and
 * `POST /chat/findMessages/:instance` over it.
 *
 * Sources (EvolutionAPI/evolution-api):
 * - route: `src/api/routes/chat.router.ts` (`findMessages` behind the
 *   instance, then apikey guards: `src/api/guards/instance.guard.ts`,
 *   `src/api/guards/auth.guard.ts`);
 * - query: `ChannelStartupService.fetchMessages` in
 *   `src/api/services/channel.service.ts` (2.2.3): `where.key.{id,fromMe,
 *   remoteJid}` applied only when truthy; `where.messageTimestamp` only when
 *   both `gte` and `lte` are given, each read as `Math.floor(new
 *   Date(v).getTime() / 1000)`; `offset` is the page size (default 50),
 *   `page` 1-based (default 1); `orderBy: {messageTimestamp: 'desc'}`;
 *   answer `{messages: {total, pages, currentPage, records}}`;
 * - record: the Prisma `select` of that query (`id, key, pushName,
 *   messageType, message, messageTimestamp, instanceId, source, contextInfo,
 *   MessageUpdate: {select: {status}}`): no `status`, no `participant`;
 * - order of work: the `messages.upsert` handler in
 *   `src/api/integrations/channel/whatsapp/whatsapp.baileys.service.ts`
 *   awaits `prisma.message.create` and only then calls `sendDataWebhook`, so
 *   a message is stored before its webhook is posted.
 */
import { randomBytes } from 'node:crypto';
import type { UpsertBody } from '../evolution-fixtures.js';
import type { ProviderSimulator, SimRequest, SimResponse } from './server.js';

export const EVOLUTION_FIND_MESSAGES = 'evolution.findMessages';

/** One row as findMessages answers it. */
export interface StoredRecord {
  id: string;
  key: Record<string, unknown>;
  pushName: string | null;
  messageType: string;
  message: Record<string, unknown>;
  messageTimestamp: number;
  instanceId: string;
  source: string;
  contextInfo: unknown;
  MessageUpdate: { status: string }[];
}

/** Answer of a `deliver()`: Newton's reply to the webhook. */
export interface DeliverResult {
  status: number;
  body: Record<string, unknown>;
}

export interface EvolutionHistory {
  /** What the instance's store holds (malformed plants included), in insertion order. */
  records(instance: string): unknown[];
  /**
   * Stores the message the way Evolution does, then posts its webhook
   * (`body` as Evolution posts it) to `${target}/webhooks/evolution`.
   */
  deliver(
    target: string,
    body: UpsertBody,
    opts?: { headers?: Record<string, string> },
  ): Promise<DeliverResult>;
  /** Stores the message and never posts it: a webhook that failed for good (all retries lost). */
  hold(body: UpsertBody): StoredRecord;
  /** Puts any value in the instance's store as is (a malformed record); `messageTimestamp` orders it when numeric. */
  plant(instance: string, record: unknown): void;
  /** Empties every instance's store. */
  clear(): void;
}

/** The stored row of an upsert webhook's `data`: `prepareMessage`'s object less what is not selected. */
export function storedRecord(body: UpsertBody, updates: { status: string }[] = []): StoredRecord {
  const d = body.data;
  const message = { ...d.message };
  delete message.base64; // webhookBase64 adds it to the webhook only; it is never stored
  return {
    id: `c${randomBytes(12).toString('hex')}`, // a Prisma cuid
    key: { ...d.key },
    pushName: d.pushName ?? null,
    messageType: d.messageType,
    message,
    messageTimestamp: d.messageTimestamp,
    instanceId: d.instanceId,
    source: d.source,
    contextInfo: null,
    MessageUpdate: updates,
  };
}

function seconds(v: unknown): number {
  return Math.floor(new Date(v as string | number).getTime() / 1000);
}

function timestampOf(record: unknown): number {
  const t = (record as { messageTimestamp?: unknown } | null)?.messageTimestamp;
  return typeof t === 'number' ? t : 0;
}

/**
 * Registers findMessages on `sim`. `guard` is Evolution's instance + apikey
 * check (evolution.ts), answering the refusal or null.
 */
export function installEvolutionHistory(
  sim: ProviderSimulator,
  guard: (req: SimRequest) => SimResponse | null,
): EvolutionHistory {
  /** Instance name → rows, insertion order (a later row wins ties, like a newer autoincrement). */
  const store = new Map<string, unknown[]>();
  const rows = (instance: string) => {
    let list = store.get(instance);
    if (!list) {
      list = [];
      store.set(instance, list);
    }
    return list;
  };

  sim.route('POST', '/chat/findMessages/:instance', EVOLUTION_FIND_MESSAGES, (req) => {
    const refused = guard(req);
    if (refused) return refused;
    const body = (req.body ?? {}) as {
      where?: { key?: Record<string, unknown>; messageTimestamp?: { gte?: unknown; lte?: unknown } };
      page?: unknown;
      offset?: unknown;
    };
    const where = body.where ?? {};
    let found = [...rows(req.params.instance ?? '')];
    for (const field of ['id', 'fromMe', 'remoteJid'] as const) {
      const wanted = where.key?.[field];
      if (wanted) found = found.filter((r) => (r as StoredRecord | null)?.key?.[field] === wanted);
    }
    const ts = where.messageTimestamp;
    if (ts?.gte && ts?.lte) {
      const gte = seconds(ts.gte);
      const lte = seconds(ts.lte);
      found = found.filter((r) => timestampOf(r) >= gte && timestampOf(r) <= lte);
    }
    // Newest first; among equal timestamps the later insert first (stable across pages).
    found = found
      .map((r, i) => ({ r, i }))
      .sort((a, b) => timestampOf(b.r) - timestampOf(a.r) || b.i - a.i)
      .map((x) => x.r);
    const offset = typeof body.offset === 'number' && body.offset > 0 ? Math.floor(body.offset) : 50;
    const page = typeof body.page === 'number' && body.page > 0 ? Math.floor(body.page) : 1;
    const records = found.slice(offset * (page - 1), offset * page);
    return {
      status: 200,
      body: {
        messages: {
          total: found.length,
          pages: Math.ceil(found.length / offset),
          currentPage: page,
          records,
        },
      },
    };
  });

  const hold = (body: UpsertBody): StoredRecord => {
    const record = storedRecord(body);
    rows(body.instance).push(record);
    return record;
  };

  return {
    records: (instance) => [...rows(instance)],
    hold,
    plant: (instance, record) => {
      rows(instance).push(record);
    },
    clear: () => store.clear(),
    async deliver(target, body, opts = {}) {
      hold(body);
      const res = await fetch(`${target.replace(/\/+$/, '')}/webhooks/evolution`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...opts.headers },
        body: JSON.stringify(body),
      });
      const text = await res.text();
      return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
    },
  };
}
