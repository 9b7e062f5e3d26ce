/**
 * The `new_message` the founding story waits for (docs/protocol.md §8.2), checked
 * field by field (internal; shared by the server's and the SDK's story tests).
 */
import assert from 'node:assert/strict';

export const STORY = {
  tenant: 'celucambio_main',
  from: '573001112233',
  phone: '+573001112233',
  pushName: 'Ana',
  text: 'Hola, quiero vender mi celular',
  /** messageTimestamp (unix seconds) of the story's webhook. */
  timestamp: 1764000000,
} as const;

export function assertStoryMessage(event: unknown, tenant: string = STORY.tenant): void {
  const ev = event as Record<string, unknown>;
  assert.equal(ev.type, 'new_message');
  assert.equal(ev.tenant_id, tenant);
  assert.equal(typeof ev.seq, 'number');
  assert.match(String(ev.event_id), /^[0-9a-f-]{36}$/);
  assert.ok(!Number.isNaN(Date.parse(String(ev.occurred_at))));
  assert.equal(typeof ev.lead_id, 'string');
  assert.equal(typeof ev.conversation_id, 'string');
  // The contract's lead, grown by `attributes` (#15, the tenant's key/value strings; none yet).
  const { attributes, ...lead } = ev.lead as Record<string, unknown>;
  assert.deepEqual(lead, { id: ev.lead_id, name: STORY.pushName, phone: STORY.phone });
  assert.deepEqual(attributes, {});
  const m = ev.message as Record<string, unknown>;
  assert.equal(typeof m.id, 'string');
  assert.equal(m.content, STORY.text);
  assert.equal(m.sender, 'lead');
  assert.equal(m.phone, STORY.phone);
  assert.equal(m.type, 'text');
  assert.equal(m.direction, 'inbound');
  assert.equal(m.timestamp, new Date(STORY.timestamp * 1000).toISOString());
  assert.equal(m.provider, 'evolution');
  assert.equal(typeof m.provider_message_id, 'string');
}
