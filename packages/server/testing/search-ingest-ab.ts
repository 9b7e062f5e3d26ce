/**
 * What the search index (migration 015) costs the webhook write path,
 * measured A/B in one process so that a busy machine slows both sides alike:
 * inbound messages stored through the real write path (`store.inbound.message`:
 * lead, conversation, message, events, receipt, one transaction each), in
 * alternating rounds with the index triggers on and off.
 *
 *   node --import tsx packages/server/testing/search-ingest-ab.ts                 # SQLite (temp DATA_DIR)
 *   node --import tsx packages/server/testing/search-ingest-ab.ts --db postgres   # a scratch database (NEWTON_TEST_PG_URL)
 *
 * (A measuring tool next to the test helpers, not a test: it reaches the
 * store directly, which bench/ may not import.)
 *
 * Prints, per side, the median over rounds of the mean wall time and the
 * mean CPU (this process, plus PostgreSQL's for --db postgres) per message.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { sql } from 'kysely';
import type { InboundMessage } from '../src/core/index.js';
import { Store } from '../src/store/index.js';
import { createTestDatabase } from './databases.js';

/** CPU seconds of every PostgreSQL process on the machine (utime + stime from /proc). */
function postgresCpuSeconds(): number {
  let ticks = 0;
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const close = stat.lastIndexOf(')');
      if (!stat.slice(stat.indexOf('(') + 1, close).startsWith('postgres')) continue;
      const fields = stat.slice(close + 2).split(' ');
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {}
  }
  return ticks / 100;
}

const { values } = parseArgs({
  options: {
    db: { type: 'string', default: 'sqlite' },
    rounds: { type: 'string', default: '8' },
    messages: { type: 'string', default: '300' },
  },
});
const ROUNDS = Number(values.rounds);
const PER_ROUND = Number(values.messages);
const postgres = values.db === 'postgres';

const dir = mkdtempSync(path.join(tmpdir(), 'newton-search-ab-'));
const pgDb = postgres ? await createTestDatabase('postgres') : undefined;
const store = await Store.open({ dataDir: dir, databaseUrl: pgDb?.url, checkpointIntervalMs: 0 });

const WORDS = 'hola quiero vender mi celular cuánto me dan por el iphone con la pantalla rota gracias'.split(
  ' ',
);
let n = 0;
function message(): InboundMessage {
  n++;
  const phone = `+5730012${String(n % 500).padStart(5, '0')}`;
  const text = Array.from({ length: 6 + (n % 10) }, (_, i) => WORDS[(n * 7 + i * 3) % WORDS.length]).join(
    ' ',
  );
  return {
    tenantId: 'ab',
    instanceId: 'ab-inst',
    provider: 'evolution',
    providerMessageId: `AB${randomUUID()}`,
    lead: { phone, lid: null, name: `Cliente ${n % 500}` },
    replyTo: `${phone.slice(1)}@s.whatsapp.net`,
    direction: 'inbound',
    sender: 'lead',
    type: 'text',
    content: text,
    status: 'delivered',
    timestamp: Date.now(),
    extra: {},
  };
}

/** Turns the index triggers off or on. */
async function setIndex(on: boolean, saved: string[]): Promise<void> {
  if (postgres) {
    const verb = on ? sql.raw('enable') : sql.raw('disable');
    await sql`alter table messages ${verb} trigger message_search_sync`.execute(store.db);
    await sql`alter table leads ${verb} trigger lead_search_sync`.execute(store.db);
    return;
  }
  if (on) for (const text of saved) await sql.raw(text).execute(store.db);
  else
    for (const name of [
      'message_search_ai',
      'message_search_ad',
      'message_search_au',
      'lead_search_ai',
      'lead_search_ad',
      'lead_search_au',
    ])
      await sql.raw(`drop trigger ${name}`).execute(store.db);
}

const cpuNow = () => {
  const c = process.cpuUsage();
  return (c.user + c.system) / 1e6 + (postgres ? postgresCpuSeconds() : 0);
};

try {
  const now = Date.now();
  await store.db.insertInto('tenants').values({ id: 'ab', name: null, created_at: now }).execute();
  await store.db
    .insertInto('instances')
    .values({
      id: 'ab-inst',
      tenant_id: 'ab',
      provider: 'evolution',
      name: 'ab-wa',
      number: null,
      apikey: null,
      webhook_secret: null,
      base_url: null,
      app_secret: null,
      verify_token: null,
      created_at: now,
      state_reason: null,
      state_detail: null,
      state_since: null,
      last_webhook_at: null,
    })
    .execute();
  const saved = postgres
    ? []
    : (
        await sql<{
          sql: string;
        }>`select sql from sqlite_master where type = 'trigger' and (name like 'message_search_%' or name like 'lead_search_%')`.execute(
          store.db,
        )
      ).rows.map((r) => r.sql);
  for (let i = 0; i < 100; i++) await store.inbound.message(message()); // warm-up
  const results: Record<'on' | 'off', { wall: number[]; cpu: number[] }> = {
    on: { wall: [], cpu: [] },
    off: { wall: [], cpu: [] },
  };
  let on = true;
  for (let r = 0; r < ROUNDS * 2; r++) {
    const side = on ? 'on' : 'off';
    const t0 = performance.now();
    const c0 = cpuNow();
    for (let i = 0; i < PER_ROUND; i++) await store.inbound.message(message());
    results[side].wall.push((performance.now() - t0) / PER_ROUND);
    results[side].cpu.push(((cpuNow() - c0) * 1000) / PER_ROUND);
    on = !on;
    await setIndex(on, saved);
  }
  const median = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)] ?? Number.NaN;
  const out = Object.fromEntries(
    (['on', 'off'] as const).map((s) => [
      s,
      {
        wall_ms_per_message: +median(results[s].wall).toFixed(3),
        cpu_ms_per_message: +median(results[s].cpu).toFixed(3),
      },
    ]),
  );
  process.stdout.write(
    `${JSON.stringify({ db: values.db, rounds: ROUNDS, per_round: PER_ROUND, index: out })}\n`,
  );
} finally {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
  await pgDb?.drop();
}
