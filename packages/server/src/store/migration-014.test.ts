/**
 * Migration 014 (#15) on a database that has conversations already: a
 * `closed` conversation becomes `resolved`, every conversation gets no
 * labels, no notes and no snooze, and the inbox serves it with the new fields.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import type { Kysely } from 'kysely';
import { createTestDatabase } from '../../testing/databases.js';
import { migrate, openPostgres, openSqlite } from './db.js';
import { InboxStore } from './inbox.js';
import type { Database } from './schema.js';

test('a closed conversation of an older database is resolved after 014, with no labels, notes or snooze', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'newton-m014-'));
  const database = await createTestDatabase();
  const opened = database.url ? await openPostgres(database.url, 2) : openSqlite(dir);
  const db = opened.db as Kysely<Database>;
  try {
    await migrate(db, '012-lead-profile');
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
  } finally {
    await db.destroy();
    await database.drop();
    rmSync(dir, { recursive: true, force: true });
  }
});
