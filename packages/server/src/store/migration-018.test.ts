/**
 * Migration 018 (#15 §6) on a database that ran 015 (search) and 017 (lead
 * edits) before it: a lead renamed by agents is indexed under that name too,
 * its WhatsApp profile name and phone still find it, another tenant never
 * does, and the new triggers follow a later rename.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { withStoreAt } from '../../testing/migrated-store.js';
import { migrate } from './db.js';
import { InboxStore } from './inbox.js';
import { SearchStore } from './search.js';

test('a lead renamed by agents before 018 is found by that name after it, in its tenant only', async () => {
  await withStoreAt('017-lead-edits', async (db, dialect) => {
    const now = Date.now();
    for (const [tenant, phone, name] of [
      ['t1', '+573001112233', 'Ana Restrepo'],
      ['t2', '+573004445566', 'Bruno Díaz'],
    ] as const) {
      await db.insertInto('tenants').values({ id: tenant, name: null, created_at: now }).execute();
      await db
        .insertInto('leads')
        .values({
          id: `${tenant}-lead`,
          tenant_id: tenant,
          phone,
          wa_lid: null,
          name,
          display_name: 'Doña Remedios',
          created_at: now,
          updated_at: now,
        } as never)
        .execute();
    }
    await db
      .insertInto('leads')
      .values({
        id: 't1-plain',
        tenant_id: 't1',
        phone: '+573007778899',
        wa_lid: null,
        name: 'Carla Remedios',
        created_at: now,
        updated_at: now,
      } as never)
      .execute();
    await migrate(db);

    const search = new SearchStore(db, dialect, new InboxStore(db));
    const leads = async (tenant: string, q: string) =>
      (await search.search(tenant, { q, limit: 20 })).leads.map((l) => l.lead.id).sort();
    assert.deepEqual(await leads('t1', 'dona remedios'), ['t1-lead']);
    assert.deepEqual(await leads('t1', 'remedios'), ['t1-lead', 't1-plain']);
    assert.deepEqual(await leads('t2', 'dona remedios'), ['t2-lead']);
    assert.deepEqual(await leads('t1', 'ana restrepo'), ['t1-lead'], 'the profile name still');
    assert.deepEqual(await leads('t1', '1112233'), ['t1-lead'], 'the phone still');

    await db.updateTable('leads').set({ display_name: 'Tía Cleo' }).where('id', '=', 't1-lead').execute();
    assert.deepEqual([await leads('t1', 'dona'), await leads('t1', 'cleo')], [[], ['t1-lead']]);
    await db.updateTable('leads').set({ display_name: null }).where('id', '=', 't1-lead').execute();
    assert.deepEqual([await leads('t1', 'cleo'), await leads('t1', 'ana')], [[], ['t1-lead']]);
    assert.deepEqual(await leads('t2', 'dona remedios'), ['t2-lead']);
  });
});
