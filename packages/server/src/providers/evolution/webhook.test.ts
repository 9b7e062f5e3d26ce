/**
 * Evolution webhooks over real HTTP against a real node (CONTRACT.md §2): every
 * payload variant with its documented status, outcome, stored state and receipt.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { ConversationState, LeadPayload, MessagePayload } from '@newton/protocol';
import { SignJWT } from 'jose';
import { sql } from 'kysely';
import {
  audioMessage,
  contactMessage,
  DEFAULT_INSTANCE,
  DEFAULT_OWN_NUMBER,
  documentMessage,
  imageMessage,
  locationMessage,
  randomMessageId,
  reactionMessage,
  stickerMessage,
  textMessage,
  type UpsertOptions,
  upsertBody,
  videoMessage,
} from '../../../testing/evolution-fixtures.js';
import { type HttpResult, TestNewton, type TestSocket } from '../../../testing/harness.js';
import type { WebhookReceipt } from '../../core/index.js';

type Obj = Record<string, unknown>;
type Creds = { body?: UpsertOptions; path?: string; headers?: Record<string, string> };
const TENANT = 'acme';
const OTHER_TENANT = 'beta';
const OTHER_NUMBER = '573155550000';
const BR_NUMBER = '5521987650000';
const APIKEY = 'ak-7d1f0c2e9b8a4f3d';
const SECRET = 'ws-3b9e2a7c5d1f4e8a9c0b';

let counter = 0;
/** A fresh Colombian mobile (digits), so that each test has its own lead. */
const nextPhone = () => `5730012${String(++counter).padStart(5, '0')}`;
/** A fresh LID (digits). */
const nextLid = () => `2748607${String(++counter).padStart(8, '0')}`;
const msgOf = (f: Obj) => f.message as MessagePayload;
/** Status, outcome and one more field of a webhook answer. */
const answer = (r: HttpResult, field = 'reason') => [r.status, r.body.outcome, r.body[field]];

/** Deep partial match: every key of `expected` must equal the same key of `actual`. */
function assertSubset(actual: unknown, expected: unknown, at = '$'): void {
  if (expected !== null && typeof expected === 'object') {
    assert.ok(actual !== null && typeof actual === 'object', `${at} should be an object`);
    if (Array.isArray(expected)) assert.equal((actual as unknown[]).length, expected.length, `${at}.length`);
    for (const [k, v] of Object.entries(expected)) assertSubset((actual as Obj)[k], v, `${at}.${k}`);
  } else assert.deepEqual(actual, expected, at);
}

/** One node: tenant `acme` with instance `newton-test`, tenant `beta` with two; a socket and a token. */
class Fixture {
  t!: TestNewton;
  token!: string;
  socket!: TestSocket;

  constructor(private readonly guard: { apikey?: string; webhookSecret?: string } = {}) {
    before(async () => {
      this.t = await TestNewton.start();
      await this.t.addTenant(TENANT);
      await this.t.addTenant(OTHER_TENANT);
      const own = { tenantId: TENANT, name: DEFAULT_INSTANCE, number: DEFAULT_OWN_NUMBER };
      await this.t.addInstance({ ...own, ...guard });
      await this.t.addInstance({ tenantId: OTHER_TENANT, name: 'beta-wa', number: OTHER_NUMBER });
      await this.t.addInstance({ tenantId: OTHER_TENANT, name: 'beta-br', number: BR_NUMBER });
      this.token = await this.t.token(TENANT);
      this.socket = await this.t.connect(TENANT);
    });
    after(() => this.t.close());
  }

  post(body: unknown, opts: Creds = {}): Promise<HttpResult> {
    return this.t.evolution(body, opts);
  }

  async api<T>(path: string): Promise<T> {
    const res = await this.t.get(path, this.token);
    assert.equal(res.status, 200, `${path}: ${JSON.stringify(res.body)}`);
    return res.body as T;
  }

  async messages(conversationId: unknown): Promise<MessagePayload[]> {
    return (await this.api<{ items: MessagePayload[] }>(`/api/conversations/${conversationId}/messages`))
      .items;
  }

  /** Posts, expects 200 `accepted`, and reads the message, conversation and lead back over REST. */
  async accept(body: unknown, opts: Creds = {}) {
    const res = await this.post(body, opts);
    assert.deepEqual([res.status, res.body.outcome], [200, 'accepted'], JSON.stringify(res.body));
    const conv = await this.api<ConversationState>(`/api/conversations/${res.body.conversation_id}`);
    const message = (await this.messages(conv.id)).find((m) => m.id === res.body.message_id);
    assert.ok(message, 'the accepted message is listed in its conversation');
    const lead = await this.api<LeadPayload>(`/api/leads/${conv.lead_id}`);
    return { res, conv, message, lead };
  }

  /** The receipt of a webhook answer, checked against `expected`. */
  async receipt(of: HttpResult, expected: Partial<WebhookReceipt> = {}): Promise<WebhookReceipt> {
    const traceId = of.body.trace_id;
    const found = (await this.t.node.store.receipts.list({ limit: 1000 })).find((r) => r.traceId === traceId);
    assert.ok(found, `a receipt for trace ${String(traceId)}`);
    assertSubset(found, expected, 'receipt');
    return found;
  }

  async latestRejected(): Promise<WebhookReceipt | undefined> {
    return (await this.t.node.store.receipts.list({ outcome: 'rejected', limit: 1 }))[0];
  }

  async lastSeq(tenant = TENANT): Promise<number> {
    return (await this.t.node.store.logState(tenant))?.lastSeq ?? -1;
  }

  /** Row counts of the tenant's leads, conversations and messages, and its last seq. */
  async state(tenant = TENANT): Promise<number[]> {
    const out: number[] = [];
    for (const table of ['leads', 'conversations', 'messages']) {
      const q = sql<{ n: number }>`select count(*) as n from ${sql.table(table)} where tenant_id = ${tenant}`;
      out.push(Number((await q.execute(this.t.node.store.db)).rows[0]?.n));
    }
    return [...out, await this.lastSeq(tenant)];
  }

  /** Runs `fn` and asserts it stored nothing: no lead, conversation, message or event. */
  async unchanged<T>(fn: () => Promise<T>): Promise<T> {
    const before = await this.state();
    const result = await fn();
    assert.deepEqual(await this.state(), before, 'no lead, conversation, message or event');
    return result;
  }

  /** The live `new_message` frame for a message id. */
  async frameFor(messageId: string) {
    return this.socket.next((x) => x.type === 'new_message' && msgOf(x).id === messageId);
  }

  /** Stores a message for a new lead and waits for its live event; returns that event's seq. */
  async sentinel(): Promise<number> {
    const body = upsertBody({ from: nextPhone(), apikey: this.guard.apikey ?? null });
    const { message } = await this.accept(body);
    return Number((await this.frameFor(message.id)).seq);
  }
}

describe('Evolution webhook: message kinds', () => {
  const f = new Fixture();
  const target = randomMessageId();
  const image = imageMessage('¿Este modelo?');
  const card = contactMessage('Juan Pérez', '573109876543');
  const imageUrl = (image.imageMessage as Obj).url;
  const vcard = (card.contactMessage as Obj).vcard;
  const where = { latitude: 4.6533, longitude: -74.0836, name: 'Tienda Centro', address: 'Cra 7 # 12-34' };
  // name, data.message, type, content (the preview is the content, else `[type]`), type-specific fields
  const loc = locationMessage(where.latitude, where.longitude, where.name, where.address);
  const reaction = { emoji: '❤️', target_provider_message_id: target };
  const pdf = { mime_type: 'application/pdf', size: 214873, file_name: 'cotizacion.pdf' };
  const ogg = { mime_type: 'audio/ogg; codecs=opus', seconds: 6 };
  const kinds: [string, Obj, string, string | null, Obj?][] = [
    ['text (conversation)', textMessage('¿Envío a Cali?'), 'text', '¿Envío a Cali?'],
    ['v1 extendedTextMessage', { extendedTextMessage: { text: 'Precio?' } }, 'text', 'Precio?'],
    ['image with caption', image, 'image', '¿Este modelo?', { media: { mime_type: 'image/jpeg' } }],
    ['video', videoMessage(), 'video', null, { media: { mime_type: 'video/mp4', seconds: 14 } }],
    ['document', documentMessage(), 'document', null, { media: pdf }],
    ['audio', audioMessage(false), 'audio', null, { media: { mime_type: 'audio/mpeg', seconds: 6 } }],
    ['voice note (ptt)', audioMessage(true), 'voice', null, { media: ogg }],
    ['sticker', stickerMessage(), 'sticker', null, { media: { mime_type: 'image/webp', file_name: null } }],
    ['location', loc, 'location', where.name, { location: where }],
    ['contact card', card, 'contact', 'Juan Pérez', { contacts: [{ name: 'Juan Pérez', vcard }] }],
    ['reaction', reactionMessage(target, '❤️'), 'reaction', '❤️', { reaction }],
  ];
  const common = { sender: 'lead', direction: 'inbound', status: 'delivered', provider: 'evolution' };
  for (const [name, message, type, content, extra] of kinds) {
    test(`${name} is stored as type ${type} with its content`, async () => {
      const from = nextPhone();
      const body = upsertBody({ from, message, pushName: 'María Gómez', timestamp: 1763700000 + counter });
      const { res, conv, message: m, lead } = await f.accept(body);
      const timestamp = new Date(body.data.messageTimestamp * 1000).toISOString();
      assertSubset(m, { ...common, ...extra, type, content, phone: `+${from}`, timestamp });
      assert.equal(m.provider_message_id, body.data.key.id);
      if (type === 'image') assert.deepEqual([m.media?.provider_ref, m.media?.size], [imageUrl, 48213]);
      assert.equal(conv.last_message_preview, content ?? `[${type}]`);
      assert.deepEqual([conv.unread_count, lead.name, lead.phone], [1, 'María Gómez', `+${from}`]);
      assert.deepEqual(msgOf(await f.frameFor(m.id)), m, 'the live event carries what REST returns');
      const providerMessageId = body.data.key.id;
      await f.receipt(res, { outcome: 'accepted', messageId: m.id, providerMessageId });
    });
  }

  test('message time is messageTimestamp, not date_time', async () => {
    // The captured payload of PROVIDERS.md §1.4: date_time is the wall clock of a UTC-3 container.
    const body = upsertBody({ from: nextPhone(), timestamp: 1763771103 });
    body.date_time = '2025-11-21T21:25:03.966Z';
    const { message, conv } = await f.accept(body);
    assert.equal(message.timestamp, '2025-11-22T00:25:03.000Z');
    assert.equal(conv.last_message_at, '2025-11-22T00:25:03.000Z');
    // Baileys' uint64 may arrive as a numeric string or a protobuf Long.
    for (const raw of ['1763771104', { low: 1763771105, high: 0, unsigned: true }]) {
      const again = upsertBody({ from: nextPhone() }) as unknown as { data: Obj };
      again.data.messageTimestamp = raw;
      const at = new Date(Number(typeof raw === 'string' ? raw : raw.low) * 1000).toISOString();
      assert.equal((await f.accept(again)).message.timestamp, at);
    }
  });

  test('fromMe: sender agent, outbound, and pushName is not taken as the lead name', async () => {
    const from = nextPhone();
    const mine = await f.accept(upsertBody({ from, fromMe: true, pushName: 'Tienda Acme', text: 'Hola' }));
    const { sender, direction, status } = mine.message;
    assert.deepEqual([sender, direction, status], ['agent', 'outbound', 'sent']);
    assert.deepEqual([mine.lead.name, mine.lead.phone, mine.conv.unread_count], [null, `+${from}`, 0]);
    const theirs = await f.accept(upsertBody({ from, pushName: 'Carla' }));
    const again = await f.accept(upsertBody({ from, fromMe: true, pushName: 'Tienda Acme' }));
    assert.equal(theirs.conv.id, mine.conv.id);
    assert.deepEqual([again.lead.id, again.lead.name, again.conv.unread_count], [mine.lead.id, 'Carla', 1]);
  });

  const participant = { participant: `${nextPhone()}@s.whatsapp.net` };
  const ignored: [string, UpsertOptions, string][] = [
    ['group @g.us', { remoteJid: '120363041234567890@g.us', keyExtra: participant }, 'group chat'],
    ['status@broadcast', { remoteJid: 'status@broadcast', keyExtra: participant }, 'status broadcast'],
    ['newsletter', { remoteJid: '120363199999999999@newsletter' }, 'newsletter'],
  ];
  for (const [name, opts, reason] of ignored) {
    test(`${name} is 200 ignored, recorded, and creates no lead`, async () => {
      const body = upsertBody(opts);
      const res = await f.unchanged(() => f.post(body));
      assert.deepEqual(answer(res), [200, 'ignored', reason]);
      await f.receipt(res, { outcome: 'ignored', reason, providerMessageId: body.data.key.id });
    });
  }

  test('@lid with remoteJidAlt, then the phone JID, land on the same lead and conversation', async () => {
    const from = nextPhone();
    const alt = { remoteJidAlt: `${from}@s.whatsapp.net` };
    const first = await f.accept(upsertBody({ remoteJid: `${nextLid()}@lid`, keyExtra: alt }));
    assert.deepEqual([first.lead.phone, first.message.phone], [`+${from}`, `+${from}`]);
    const second = await f.accept(upsertBody({ from }));
    assert.deepEqual([second.lead.id, second.conv.id], [first.lead.id, first.conv.id]);
    assert.equal((await f.messages(first.conv.id)).length, 2);
  });

  test('@lid without any phone: lead phone null, and the same LID finds the lead again', async () => {
    const remoteJid = `${nextLid()}@lid`;
    const first = await f.accept(upsertBody({ remoteJid, pushName: 'Sin Número' }));
    assert.deepEqual([first.lead.phone, first.message.phone, first.lead.name], [null, null, 'Sin Número']);
    const second = await f.accept(upsertBody({ remoteJid }));
    assert.deepEqual([second.lead.id, second.conv.id], [first.lead.id, first.conv.id]);
  });

  test('a phone lead learns its LID: phone, then LID with the phone as alt, then the LID alone', async () => {
    const [from, lid] = [nextPhone(), nextLid()];
    const byPhone = await f.accept(upsertBody({ from }));
    const alt = { remoteJidAlt: `${from}@s.whatsapp.net` };
    const withAlt = await f.accept(upsertBody({ remoteJid: `${lid}@lid`, keyExtra: alt }));
    const lidOnly = await f.accept(upsertBody({ remoteJid: `${lid}@lid` }));
    assert.deepEqual([withAlt.lead.id, lidOnly.lead.id], [byPhone.lead.id, byPhone.lead.id]);
    assert.deepEqual([lidOnly.conv.id, lidOnly.message.phone], [byPhone.conv.id, `+${from}`]);
  });

  test('Brazil 12-digit and 13-digit forms of one number are one lead', async () => {
    const old = await f.accept(upsertBody({ from: '552187654321' }));
    const modern = await f.accept(upsertBody({ from: '5521987654321' }));
    assert.deepEqual([old.lead.phone, modern.message.phone], ['+5521987654321', '+5521987654321']);
    assert.deepEqual([modern.lead.id, modern.conv.id], [old.lead.id, old.conv.id]);
  });
});

describe('Evolution webhook: routing and validation', () => {
  const f = new Fixture();

  test('by-events URL /webhooks/evolution/messages-upsert, with and without "event" in the body', async () => {
    const path = '/webhooks/evolution/messages-upsert';
    const withEvent = await f.accept(upsertBody({ from: nextPhone(), text: 'con evento' }), { path });
    const { event: _e, ...bare } = upsertBody({ from: nextPhone(), text: 'sin evento' });
    const without = await f.accept(bare, { path });
    assert.deepEqual([withEvent.message.content, without.message.content], ['con evento', 'sin evento']);
    await f.receipt(without.res, { event: 'messages.upsert', outcome: 'accepted' });
  });

  const contact = { remoteJid: `${nextPhone()}@s.whatsapp.net`, pushName: 'Ana', profilePicUrl: null };
  // Session events (connection.update…) are recorded as states: see connection.test.ts.
  const others: [string, unknown, string?][] = [
    [
      'presence.update',
      { id: contact.remoteJid, presences: { [contact.remoteJid]: { lastKnownPresence: 'composing' } } },
    ],
    ['contacts.upsert', [contact]],
    [
      'chats.upsert',
      [{ remoteJid: contact.remoteJid, unreadMessages: 1 }],
      '/webhooks/evolution/chats-upsert',
    ],
  ];
  for (const [event, data, path] of others) {
    test(`${event}${path ? ' on its by-events URL' : ''} is 200 ignored and recorded`, async () => {
      const body: Obj = { instance: DEFAULT_INSTANCE, data, sender: `${DEFAULT_OWN_NUMBER}@s.whatsapp.net` };
      if (!path) body.event = event;
      const res = await f.unchanged(() => f.post(body, path ? { path } : {}));
      const reason = `event ${event} is not handled`;
      assert.deepEqual(answer(res), [200, 'ignored', reason]);
      await f.receipt(res, { outcome: 'ignored', event, tenantId: TENANT, reason });
    });
  }

  const key = (b: Obj) => (b.data as Obj).key as Obj;
  const invalid: [string, (b: Obj) => void, string][] = [
    ['missing instance', (b) => delete b.instance, 'missing "instance"'],
    ['missing key', (b) => delete (b.data as Obj).key, 'missing "key"'],
    ['key not an object', (b) => ((b.data as Obj).key = 'abc'), '"key" must be an object'],
    ['missing key.id', (b) => delete key(b).id, 'missing "key.id"'],
    ['key.id a number', (b) => (key(b).id = 12345), '"key.id" must be a string'],
    ['key.remoteJid a number', (b) => (key(b).remoteJid = 573001), '"key.remoteJid" must be a string'],
    ['key.fromMe a string', (b) => (key(b).fromMe = 'false'), '"key.fromMe" must be a boolean'],
  ];
  for (const [name, mutate, reason] of invalid) {
    test(`${name} → 400 invalid_webhook, recorded as rejected without the apikey`, async () => {
      const body = upsertBody({ from: nextPhone(), apikey: APIKEY }) as unknown as Obj;
      mutate(body);
      const res = await f.unchanged(() => f.post(body));
      assert.deepEqual([res.status, res.body.error, res.body.reason], [400, 'invalid_webhook', reason]);
      const r = await f.receipt(res, { outcome: 'rejected', reason });
      assert.match(r.bodyExcerpt ?? '', /"apikey":"\[redacted\]"/);
      assert.ok(!r.bodyExcerpt?.includes(APIKEY), 'the apikey never reaches the receipt');
    });
  }

  test('the ?token= secret echoed in "destination" is redacted without losing the rest of the excerpt', async () => {
    const body = upsertBody({ from: nextPhone(), remoteJid: '120363041234567890@g.us' });
    body.destination = `https://newton.test/webhooks/evolution?token=${SECRET}`; // Evolution echoes its webhook URL
    const res = await f.post(body, { path: `/webhooks/evolution?token=${SECRET}` });
    const r = await f.receipt(res, { outcome: 'ignored' });
    assert.ok(!r.bodyExcerpt?.includes(SECRET), `body_excerpt leaks the webhook secret: ${r.bodyExcerpt}`);
    assert.match(r.bodyExcerpt ?? '', /"server_url":"http:/, 'the fields after it remain');
  });

  test('an empty messages.upsert batch is 200 ignored and leaves a receipt (never a 500)', async () => {
    const body = { ...upsertBody(), data: [] };
    const res = await f.unchanged(() => f.post(body));
    assert.deepEqual([res.status, res.body.outcome], [200, 'ignored'], JSON.stringify(res.body));
    await f.receipt(res, { outcome: 'ignored', tenantId: TENANT });
  });

  test('non-JSON body → 400 with a JSON error body, recorded as rejected', async () => {
    const res = await f.unchanged(() => f.post('{"event":"messages.upsert", "instance": '));
    assert.deepEqual([res.status, res.body.error, typeof res.body.message], [400, 'invalid_json', 'string']);
    assert.match((await f.latestRejected())?.reason ?? '', /\(HTTP 400\)$/);
  });

  test('a 2 MB body → 413 with a JSON error body, recorded as rejected', async () => {
    const res = await f.unchanged(() => f.post(upsertBody({ text: 'x'.repeat(2 * 1024 * 1024) })));
    assert.deepEqual([res.status, res.body.error], [413, 'payload_too_large']);
    const r = await f.latestRejected();
    assert.match(r?.reason ?? '', /\(HTTP 413\)$/);
    assert.ok((r?.bodySize ?? 0) > 2 * 1024 * 1024, `declared size recorded, got ${r?.bodySize}`);
  });

  test('unknown instance → 202 unroutable, the receipt names it', async () => {
    const res = await f.unchanged(() => f.post(upsertBody({ instance: 'ghost', sender: '573009990000' })));
    const reason = 'unknown instance "ghost"';
    assert.deepEqual(answer(res), [202, 'unroutable', reason]);
    await f.receipt(res, { outcome: 'unroutable', reason, instanceName: 'ghost', tenantId: null });
  });

  test("unknown instance whose sender is another tenant's instance number names that instance", async () => {
    const body = upsertBody({ instance: 'beta-renamed', sender: OTHER_NUMBER });
    const res = await f.unchanged(() => f.post(body));
    assert.equal(res.status, 202);
    const reason = `unknown instance "beta-renamed"; its sender ${OTHER_NUMBER} is the number of instance "beta-wa" (tenant beta)`;
    await f.receipt(res, { outcome: 'unroutable', reason });
    // The hint is for operators: an unauthenticated caller does not learn which tenant owns a number.
    assert.equal(res.body.reason, 'unknown instance "beta-renamed"');
    assert.equal(await f.lastSeq(OTHER_TENANT), 0);
  });

  test('…also when the sender is the Brazilian 12-digit form of that number', async () => {
    const res = await f.post(upsertBody({ instance: 'br-renamed', sender: '552187650000' }));
    assert.equal(res.status, 202);
    const r = await f.receipt(res, { outcome: 'unroutable' });
    assert.match(String(r.reason), /"beta-br" \(tenant beta\)/);
  });

  test('sender differing from the instance number → 202 unroutable, nothing stored', async () => {
    const res = await f.unchanged(() => f.post(upsertBody({ from: nextPhone(), sender: OTHER_NUMBER })));
    assert.deepEqual([res.status, res.body.outcome], [202, 'unroutable']);
    const reason = `sender ${OTHER_NUMBER}@s.whatsapp.net is not the number ${DEFAULT_OWN_NUMBER} configured for instance "${DEFAULT_INSTANCE}" of tenant acme`;
    assert.equal(res.body.reason, reason);
    await f.receipt(res, { outcome: 'unroutable', reason, tenantId: TENANT });
  });

  test('sender with a device suffix, or in the Brazilian 12-digit form, matches the number', async () => {
    const device = upsertBody({ from: nextPhone() });
    device.sender = `${DEFAULT_OWN_NUMBER}:17@s.whatsapp.net`;
    await f.accept(device);
    await f.accept(upsertBody({ from: nextPhone(), sender: '551187654321' }));
  });
});

describe('Evolution webhook: credentials and idempotency', () => {
  const f = new Fixture({ apikey: APIKEY, webhookSecret: SECRET });
  const jwt = (secret: string, exp = '10m') =>
    new SignJWT({ app: 'evolution', action: 'webhook' })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setIssuedAt()
      .setExpirationTime(exp)
      .sign(new TextEncoder().encode(secret));
  const bearer = async (token: string | Promise<string>): Promise<Creds> => ({
    headers: { authorization: `Bearer ${await token}` },
  });

  const refused: [string, () => Promise<Creds>][] = [
    ['a wrong body apikey', async () => ({ body: { apikey: 'ak-wrong-0000' } })],
    ['a wrong apikey header', async () => ({ headers: { apikey: 'ak-wrong-0000' } })],
    ['a wrong ?token=', async () => ({ path: '/webhooks/evolution?token=ws-wrong' })],
    ['a wrong bearer', () => bearer('ws-wrong')],
    ['a JWT signed with another secret', () => bearer(jwt('another-secret-xyz'))],
    ['an expired JWT', () => bearer(jwt(SECRET, '-2m'))],
    ['the secret sent as apikey', async () => ({ body: { apikey: SECRET } })],
    ['no credentials', async () => ({})],
  ];
  for (const [name, make] of refused) {
    test(`${name} → 401, nothing stored, no event`, async () => {
      const opts = await make();
      const body = upsertBody({ from: nextPhone(), ...opts.body });
      const seq = await f.lastSeq();
      const res = await f.unchanged(() => f.post(body, opts));
      assert.deepEqual(answer(res, 'error'), [401, 'rejected', 'webhook_unauthorized']);
      const r = await f.receipt(res, { outcome: 'rejected', tenantId: TENANT, messageId: null });
      assert.match(r.reason ?? '', /credentials/);
      for (const secret of [APIKEY, SECRET, 'ak-wrong-0000']) {
        assert.ok(!r.bodyExcerpt?.includes(secret), `body_excerpt must not contain ${secret}`);
      }
      assert.equal(await f.sentinel(), seq + 2, 'the next message takes the very next seqs');
      const leaked = f.socket.frames.filter((x) => JSON.stringify(x).includes(body.data.key.id));
      assert.deepEqual(leaked, []);
    });
  }

  const accepted: [string, () => Promise<Creds>][] = [
    ['body apikey', async () => ({ body: { apikey: APIKEY } })],
    ['apikey header', async () => ({ headers: { apikey: APIKEY } })],
    ['?token= secret', async () => ({ path: `/webhooks/evolution?token=${SECRET}` })],
    ['Authorization: Bearer <secret>', () => bearer(SECRET)],
    ['bearer HS256 JWT signed with the secret', () => bearer(jwt(SECRET))],
  ];
  for (const [name, make] of accepted) {
    test(`accepted with ${name}`, async () => {
      const { body: extra, ...opts } = await make();
      const from = nextPhone();
      const { message } = await f.accept(upsertBody({ from, ...extra, text: name }), opts);
      assert.deepEqual([message.content, message.phone], [name, `+${from}`]);
      assert.equal(msgOf(await f.frameFor(message.id)).content, name);
    });
  }

  test('a redelivery (same instance + key id) is 200 duplicate: one message, no second event', async () => {
    const body = upsertBody({ from: nextPhone(), apikey: APIKEY });
    const first = await f.accept(body);
    const seq = await f.lastSeq();
    const again = await f.unchanged(() => f.post(body));
    assert.deepEqual(answer(again, 'message_id'), [200, 'duplicate', first.message.id]);
    await f.receipt(again, { outcome: 'duplicate', messageId: first.message.id });
    assert.equal((await f.messages(first.conv.id)).length, 1);
    assert.equal(await f.sentinel(), seq + 2, 'no event was appended for the duplicate');
    const { id } = first.message;
    assert.equal(f.socket.frames.filter((x) => x.type === 'new_message' && msgOf(x).id === id).length, 1);
  });

  test('two different messages from a new number at once make one lead and one conversation', async () => {
    const from = nextPhone();
    const bodies = ['uno', 'dos'].map((text) => upsertBody({ from, text, apikey: APIKEY }));
    const seq = await f.lastSeq();
    const both = await Promise.all(bodies.map((b) => f.post(b)));
    const outcomes = both.map((r) => `${r.status} ${r.body.outcome}`);
    assert.deepEqual(outcomes, ['200 accepted', '200 accepted']);
    assert.equal(both[0]?.body.conversation_id, both[1]?.body.conversation_id);
    const contents = (await f.messages(both[0]?.body.conversation_id)).map((m) => m.content).sort();
    assert.deepEqual(contents, ['dos', 'uno']);
    assert.equal(await f.lastSeq(), seq + 3, 'one lead_created and two new_message');
  });

  test('the same body delivered twice at once makes exactly one message', async () => {
    const body = upsertBody({ from: nextPhone(), apikey: APIKEY });
    const seq = await f.lastSeq();
    const both = await Promise.all([f.post(body), f.post(body)]);
    assert.deepEqual([both[0]?.status, both[1]?.status], [200, 200]);
    assert.equal(both[0]?.body.message_id, both[1]?.body.message_id);
    assert.deepEqual(both.map((r) => r.body.outcome).sort(), ['accepted', 'duplicate']);
    assert.equal((await f.messages(both[0]?.body.conversation_id)).length, 1);
    assert.equal(await f.lastSeq(), seq + 2, 'lead_created and new_message, once');
  });
});
