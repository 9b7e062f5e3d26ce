/**
 * Migration 014 (#15) on a database that has conversations already: a
 * `closed` conversation becomes `resolved`, every conversation gets no
 * labels, no notes and no snooze, and the inbox serves it with the new fields.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { withStoreAt } from '../../testing/migrated-store.js';
import { migrate } from './db.js';
import { InboxStore } from './inbox.js';

test('a closed conversation of an older database is resolved after 014, with no labels, notes or snooze', async () => {
  await withStoreAt('012-lead-profile', async (db) => {
    const now = Date.now();
    await db.insertInto('tenants').values({ id: 't', name: null, created_at: now }).execute();
    await db
      .insertInto('instances')
      .values({
        id: 'i',
        tenant_id: 't',
        provider: 'evolution',
        name: 'i',
        number: null,
        apikey: null,
        webhook_secret: null,
        base_url: null,
        app_secret: null,
        verify_token: null,
        created_at: now,
      } as never)
      .execute();
    await db
      .insertInto('leads')
      .values({
        id: 'l',
        tenant_id: 't',
        phone: '+573001112233',
        wa_lid: null,
        name: 'Ana',
        created_at: now,
        updated_at: now,
      } as never)
      .execute();
    await db
      .insertInto('conversations')
      .values({
        id: 'c-closed',
        tenant_id: 't',
        lead_id: 'l',
        instance_id: 'i',
        status: 'closed',
        unread_count: 0,
        last_message_at: now,
        last_message_id: null,
        last_message_preview: null,
        reply_to: null,
        last_read_at: null,
        created_at: now,
        updated_at: now,
      } as never)
      .execute();
    await migrate(db);
    const inbox = new InboxStore(db);
    const c = await inbox.getConversation('t', 'c-closed');
    assert.ok(c);
    assert.deepEqual([c.status, c.snoozed_until, c.labels, c.notes_count], ['resolved', null, [], 0]);
    const row = await db
      .selectFrom('conversations')
      .select('status')
      .where('id', '=', 'c-closed')
      .executeTakeFirst();
    assert.equal(row?.status, 'resolved', 'the stored value moved too');
  });
});
