/**
 * `GET /api/search` (issue #15 §6) against a real node: messages and leads
 * found by word prefixes, accents and case ignored, ranked, with their
 * conversation and a marked snippet; the index follows edits, deletions and
 * replies in the write's own transaction; a lead renamed by agents; paging and input bounds; and
 * tenant isolation (tenant B never finds A's messages or leads).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { SearchAnswer } from '@newton/protocol';
import * as messagesDelete from '../../testing/corpus/evolution-messages-delete.js';
import { imageMessage, randomMessageId } from '../../testing/evolution-fixtures.js';
import { messagesEditedBody } from '../../testing/provider-simulator/evolution.js';
import { ReplyFixture } from '../../testing/reply-fixture.js';

const A = 'searcha';
const B = 'searchb';
let f: ReplyFixture;

before(async () => {
  f = await ReplyFixture.start([A, B]);
});
after(() => f?.close());

async function search(tenant: string, query: string): Promise<SearchAnswer> {
  const res = await f.t.get(`/api/search?${query}`, f.setup(tenant).token);
  assert.equal(res.status, 200, `${query}: ${JSON.stringify(res.body)}`);
  return res.body as unknown as SearchAnswer;
}

const q = (text: string, extra = '') => `q=${encodeURIComponent(text)}${extra}`;
const ids = (a: SearchAnswer) => a.messages.map((h) => h.message.id);
const marked = (text: string, ranges: [number, number][]) => ranges.map(([s, e]) => text.slice(s, e));

describe('search', () => {
  test('finds messages by word prefixes, accents and case ignored, with conversation, lead and marked snippet', async () => {
    const from = f.nextPhone();
    const hit = await f.inbound(A, {
      from,
      text: 'Quiero vender mi CELULAR Samsung, ¿cuánto me dan por la canción?',
    });
    await f.inbound(A, { from, text: 'Otra cosa sin relación' });

    const a = await search(A, q('celu cancion'));
    assert.deepEqual(ids(a), [hit.messageId]);
    assert.deepEqual(a.terms, ['celu', 'cancion']);
    const [h] = a.messages;
    assert.ok(h);
    assert.equal(h.conversation.id, hit.conversationId);
    assert.equal(h.conversation.lead.phone, `+${from}`);
    assert.equal(h.message.conversation_id, hit.conversationId);
    assert.deepEqual(marked(h.snippet, h.highlights), ['CELULAR', 'canción']);

    // Every term must match: a word not in the message leaves it out.
    assert.deepEqual(ids(await search(A, q('celular iphone'))), []);
    // A term matches the start of a word, not its middle.
    assert.deepEqual(ids(await search(A, q('lular'))), []);
  });

  test('tenant B never finds A’s messages or leads, even with the same words', async () => {
    const word = `zorblax${Date.now()}`;
    const a = await f.inbound(A, {
      from: f.nextPhone(),
      pushName: 'Zorblax Pérez',
      text: `tengo un ${word}`,
    });
    const b = await f.inbound(B, { from: f.nextPhone(), text: `yo también un ${word}` });
    assert.deepEqual(ids(await search(A, q(word))), [a.messageId]);
    assert.deepEqual(ids(await search(B, q(word))), [b.messageId]);
    const onlyA = await search(B, q('zorblax perez'));
    assert.deepEqual([onlyA.messages.length, onlyA.leads.length], [0, 0]);
    assert.equal((await search(A, q('zorblax perez'))).leads.length, 1);
  });

  test('an edit replaces what is found; a deletion for everyone removes it; a caption and a reply are found', async () => {
    const from = f.nextPhone();
    const keyId = randomMessageId();
    const { messageId } = await f.inbound(A, { from, id: keyId, text: 'Quiero dos cajas de ponqués' });
    assert.deepEqual(ids(await search(A, q('ponques'))), [messageId]);

    const edit = await f.webhook(
      A,
      messagesEditedBody({
        instance: `${A}-wa`,
        sender: null,
        keyId,
        text: 'Quiero tres cajas de galletas',
        remoteJid: `${from}@s.whatsapp.net`,
        fromMe: false,
        timestampMs: Date.now(),
      }),
    );
    assert.equal(edit.body.edited, true, JSON.stringify(edit.body));
    assert.deepEqual(ids(await search(A, q('ponques'))), []);
    assert.deepEqual(ids(await search(A, q('galletas tres'))), [messageId]);

    const del = await f.webhook(A, messagesDelete.body({ instance: `${A}-wa`, from, id: keyId }));
    assert.equal(del.body.deletion, true, JSON.stringify(del.body));
    assert.deepEqual(ids(await search(A, q('galletas'))), []);

    const photo = await f.inbound(A, { from, message: imageMessage('Foto del modelo Xiaomi Redmi') });
    assert.deepEqual(ids(await search(A, q('redmi'))), [photo.messageId]);

    const reply = await f.reply(A, photo.conversationId, {
      text: 'Te ofrecemos un descuento especial',
      client_id: 'r1',
    });
    assert.equal(reply.status, 201, JSON.stringify(reply.body));
    const found = await search(A, q('descuento'));
    assert.deepEqual(ids(found), [(reply.body.message as { id: string }).id]);
    assert.equal(found.messages[0]?.message.direction, 'outbound');
  });

  test('leads by name and by any run of phone digits, with their latest conversation', async () => {
    const from = '573157778899';
    const conv = await f.inbound(A, { from, pushName: 'Íñigo Marulanda', text: 'Buenas' });
    const byName = await search(A, q('inigo maru'));
    const lead = byName.leads.find((l) => l.lead.phone === `+${from}`);
    assert.ok(lead, JSON.stringify(byName.leads));
    assert.equal(lead.conversation_id, conv.conversationId);
    assert.deepEqual(marked(lead.lead.name ?? '', lead.highlights.name), ['Íñigo', 'Marulanda']);

    const byDigits = await search(A, q('7778899'));
    const l2 = byDigits.leads.find((l) => l.lead.phone === `+${from}`);
    assert.ok(l2, JSON.stringify(byDigits.leads));
    assert.deepEqual(marked(`+${from}`, l2.highlights.phone), ['7778899']);
    assert.equal((await search(B, q('7778899'))).leads.length, 0);
  });

  test('a lead renamed by an agent (PATCH /api/leads/{id}) is found by the new name, the profile name and phone; not once cleared; never by another tenant', async () => {
    const from = f.nextPhone();
    const conv = await f.inbound(A, { from, pushName: 'Pedro Gómez', text: 'Hola' });
    const other = await f.inbound(B, { from: f.nextPhone(), pushName: 'Otro Cliente', text: 'Hola' });
    const leadOf = async (tenant: string, conversationId: string) =>
      String((await f.t.get(`/api/conversations/${conversationId}`, f.setup(tenant).token)).body.lead_id);
    const rename = async (tenant: string, id: string, name: string | null) => {
      const res = await f.t.request('PATCH', `/api/leads/${id}`, f.setup(tenant).token, { name });
      assert.equal(res.status, 200, JSON.stringify(res.body));
    };
    const leadId = await leadOf(A, conv.conversationId);
    const otherId = await leadOf(B, other.conversationId);
    await rename(A, leadId, 'Señora Quintanilla');
    await rename(B, otherId, 'Señora Quintanilla');
    const hitsOf = async (tenant: string, text: string) => (await search(tenant, q(text))).leads;

    const [byNew, ...rest] = await hitsOf(A, 'quintani');
    assert.deepEqual([byNew?.lead.id, rest.length], [leadId, 0], 'only the tenant’s own lead');
    assert.ok(byNew);
    assert.deepEqual([byNew.lead.name, byNew.lead.profile_name], ['Señora Quintanilla', 'Pedro Gómez']);
    assert.deepEqual(marked(byNew.lead.name ?? '', byNew.highlights.name), ['Quintanilla']);
    assert.deepEqual(byNew.highlights.profile_name, []);
    assert.deepEqual(
      (await hitsOf(B, 'quintanilla')).map((l) => l.lead.id),
      [otherId],
    );

    const [byProfile] = await hitsOf(A, 'pedro gomez');
    assert.equal(byProfile?.lead.id, leadId);
    assert.deepEqual(byProfile?.highlights.name, []);
    assert.deepEqual(marked('Pedro Gómez', byProfile?.highlights.profile_name ?? []), ['Pedro', 'Gómez']);
    assert.deepEqual(
      (await hitsOf(A, 'quintanilla pedro')).map((l) => l.lead.id),
      [leadId],
      'terms across both names',
    );
    const digits = from.slice(-7);
    const byPhone = (await hitsOf(A, digits)).find((l) => l.lead.id === leadId);
    assert.deepEqual(marked(`+${from}`, byPhone?.highlights.phone ?? []), [digits]);

    await rename(A, leadId, null);
    assert.deepEqual(await hitsOf(A, 'quintanilla'), []);
    const [back] = await hitsOf(A, 'pedro');
    assert.deepEqual(
      [back?.lead.id, back?.lead.name, back?.highlights],
      [leadId, 'Pedro Gómez', { name: [[0, 5]], phone: [] }],
    );
    assert.deepEqual(
      (await hitsOf(B, 'quintanilla')).map((l) => l.lead.id),
      [otherId],
    );
  });

  test('ranked, paged with next_cursor; bad input answers 400 with its code; no token 401', async () => {
    const word = `plorb${Date.now()}`;
    const from = f.nextPhone();
    const sent: string[] = [];
    for (let i = 0; i < 5; i++)
      sent.push((await f.inbound(A, { from, text: `${word} número ${i}` })).messageId);
    const strong = await f.inbound(A, { from, text: `${word} ${word} ${word}` });

    const first = await search(A, q(word, '&limit=2'));
    assert.equal(first.messages[0]?.message.id, strong.messageId, 'the message with the most matches first');
    assert.ok(first.next_cursor);
    const seen = [...ids(first)];
    let cursor: string | null = first.next_cursor;
    while (cursor) {
      const next = await search(A, q(word, `&limit=2&cursor=${encodeURIComponent(cursor)}`));
      assert.deepEqual(next.leads, [], 'leads come on the first page only');
      seen.push(...ids(next));
      cursor = next.next_cursor;
    }
    assert.deepEqual([...seen].sort(), [...sent, strong.messageId].sort());

    const token = f.setup(A).token;
    for (const [query, code] of [
      ['', 'invalid_request'],
      [q('x'.repeat(201)), 'invalid_request'],
      [q('hola', '&limit=51'), 'invalid_request'],
      [q('hola', '&cursor=bm9wZQ'), 'invalid_cursor'],
    ] as const) {
      const res = await f.t.get(`/api/search?${query}`, token);
      assert.deepEqual([res.status, res.body.error], [400, code], `${query}: ${JSON.stringify(res.body)}`);
    }
    assert.equal((await f.t.get(`/api/search?${q('hola')}`)).status, 401);
    const empty = await search(A, q('¿¡…!?'));
    assert.deepEqual([empty.terms, empty.messages, empty.next_cursor], [[], [], null]);
  });

  test('around=<message id> opens the thread at a result: every newer message, it, and older ones with next_cursor', async () => {
    const from = f.nextPhone();
    const sent: string[] = [];
    const t0 = Math.floor(Date.now() / 1000) - 100;
    for (let i = 0; i < 12; i++) {
      const text = i === 3 ? 'aquí está el número de serie' : `mensaje ${i}`;
      sent.push((await f.inbound(A, { from, text, timestamp: t0 + i })).messageId);
    }
    const found = await search(A, q('serie'));
    const hit = found.messages.find((h) => h.message.id === sent[3]);
    assert.ok(hit);
    const conv = hit.conversation.id;
    const token = f.setup(A).token;
    const res = await f.t.get(`/api/conversations/${conv}/messages?around=${hit.message.id}&limit=2`, token);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const items = (res.body.items as { id: string }[]).map((m) => m.id);
    // Newest first: messages 11…3, then 2 (limit 2: the target and one older); 1 and 0 behind the cursor.
    assert.deepEqual(items, sent.slice(2).reverse());
    const rest = await f.t.get(
      `/api/conversations/${conv}/messages?cursor=${encodeURIComponent(String(res.body.next_cursor))}`,
      token,
    );
    assert.deepEqual(
      (rest.body.items as { id: string }[]).map((m) => m.id),
      sent.slice(0, 2).reverse(),
    );
    // Another tenant's token, a message of another conversation, around with cursor: refused.
    const other = await f.t.get(`/api/conversations/${conv}/messages?around=${sent[3]}`, f.setup(B).token);
    assert.equal(other.status, 404);
    const elsewhere = await f.inbound(A, { from: f.nextPhone(), text: 'otra conversación' });
    const wrong = await f.t.get(`/api/conversations/${conv}/messages?around=${elsewhere.messageId}`, token);
    assert.deepEqual([wrong.status, wrong.body.error], [404, 'not_found']);
    const both = await f.t.get(
      `/api/conversations/${conv}/messages?around=${sent[3]}&cursor=${encodeURIComponent(String(res.body.next_cursor))}`,
      token,
    );
    assert.deepEqual([both.status, both.body.error], [400, 'invalid_request']);
  });
});
