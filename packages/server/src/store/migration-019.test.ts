/**
 * Migration 019 (#16): a reply's `client_id` stays unique within its tenant
 * (a reply's idempotency key, store/outbound.ts) once the index covers only the rows
 * that have one, on a database that held messages before it; inbound
 * messages (no client_id) are as many as ever, and the lookup by client_id
 * still reads the index.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type Kysely, sql } from 'kysely';
import { withStoreAt } from '../../testing/migrated-store.js';
import { migrate } from './db.js';
import type { Database } from './schema.js';

async function seedTenant(db: Kysely<Database>, tenant: string, now: number): Promise<void> {
  await db.insertInto('tenants').values({ id: tenant, name: null, created_at: now }).execute();
  await db
    .insertInto('instances')
    .values({
      id: `${tenant}-i`,
      tenant_id: tenant,
      provider: 'evolution',
      name: `${tenant}-i`,
      created_at: now,
    } as never)
    .execute();
  await db
    .insertInto('leads')
    .values({
      id: `${tenant}-l`,
      tenant_id: tenant,
      phone: null,
      wa_lid: null,
      name: null,
      created_at: now,
      updated_at: now,
    } as never)
    .execute();
  await db
    .insertInto('conversations')
    .values({
      id: `${tenant}-c`,
      tenant_id: tenant,
      lead_id: `${tenant}-l`,
      instance_id: `${tenant}-i`,
      status: 'open',
      created_at: now,
      updated_at: now,
    } as never)
    .execute();
}

function message(tenant: string, id: string, clientId: string | null, now: number) {
  return {
    id,
    tenant_id: tenant,
    conversation_id: `${tenant}-c`,
    lead_id: `${tenant}-l`,
    instance_id: `${tenant}-i`,
    provider: 'evolution',
    provider_message_id: `p-${id}`,
    direction: clientId ? 'outbound' : 'inbound',
    sender: clientId ? 'agent' : 'lead',
    type: 'text',
    content: `text of ${id}`,
    status: clientId ? 'pending' : 'received',
    timestamp: now,
    created_at: now,
    client_id: clientId,
  } as never;
}

test('after 019 a client_id is still unique per tenant, inbound rows need none, and the lookup reads the index', async () => {
  await withStoreAt('018-lead-search-display-name', async (db, dialect) => {
    const now = Date.now();
    await seedTenant(db, 't1', now);
    await seedTenant(db, 't2', now);
    await db
      .insertInto('messages')
      .values([
        message('t1', 'in-1', null, now),
        message('t1', 'in-2', null, now),
        message('t1', 'out-1', 'c-1', now),
      ])
      .execute();
    await migrate(db);

    // Rows from before the migration are all there.
    const before = await db.selectFrom('messages').select(['id', 'client_id']).orderBy('id').execute();
    assert.deepEqual(before, [
      { id: 'in-1', client_id: null },
      { id: 'in-2', client_id: null },
      { id: 'out-1', client_id: 'c-1' },
    ]);
    // The same client_id again in the tenant: refused by the database itself.
    await assert.rejects(
      db
        .insertInto('messages')
        .values(message('t1', 'out-2', 'c-1', now))
        .execute(),
      /unique|UNIQUE/,
    );
    // Another tenant may use it; inbound rows without one are as many as arrive.
    await db
      .insertInto('messages')
      .values(message('t2', 'out-3', 'c-1', now))
      .execute();
    await db
      .insertInto('messages')
      .values([message('t1', 'in-3', null, now), message('t1', 'in-4', null, now)])
      .execute();
    const counts = await db
      .selectFrom('messages')
      .select(['tenant_id', (eb) => eb.fn.countAll<number>().as('n')])
      .groupBy('tenant_id')
      .orderBy('tenant_id')
      .execute();
    assert.deepEqual(
      counts.map((c) => [c.tenant_id, Number(c.n)]),
      [
        ['t1', 5],
        ['t2', 1],
      ],
    );

    // The send's lookup (store/outbound.ts) still finds its row through the partial index.
    const plan = await db.transaction().execute(async (trx) => {
      if (dialect === 'postgres') {
        // A table this small would be read whole; the question is whether the index can serve.
        await sql`set local enable_seqscan = off`.execute(trx);
        const rows = await sql<{
          'QUERY PLAN': string;
        }>`explain select id from messages where tenant_id = ${'t1'} and client_id = ${'c-1'}`.execute(trx);
        return rows.rows.map((r) => r['QUERY PLAN']).join('\n');
      }
      const rows = await sql<{
        detail: string;
      }>`explain query plan select id from messages where tenant_id = ${'t1'} and client_id = ${'c-1'}`.execute(
        trx,
      );
      return rows.rows.map((r) => r.detail).join('\n');
    });
    assert.match(plan, /messages_tenant_client_id_uq/);
  });
});
