/**
 * `user_updated` (#15): creating, renaming, recolouring, disabling or
 * enabling a user is a seq'd event of the tenant's log, written with the
 * change, carrying the user's public view (never the email): it reaches the
 * tenant's sockets live and on resume, never another tenant's; a change of
 * the email alone is none; `newton user update` on the running node's
 * database reaches its sockets too (through the node's users poll and the
 * event log).
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { User } from '@newton/protocol';
import { runCli } from '../../testing/cli-runner.js';
import { type Frame, TestNewton, type TestSocket } from '../../testing/harness.js';

let t: TestNewton;
let admin: string;
let adminB: string;
let watcher: TestSocket;
let outsider: TestSocket;

before(async () => {
  t = await TestNewton.start();
  await t.addTenant('alpha');
  await t.addTenant('bravo');
  admin = await t.token('alpha', { user: 'root', role: 'admin' });
  adminB = await t.token('bravo', { user: 'root', role: 'admin' });
  // An agent of alpha watching, and one of bravo who must see none of alpha's users.
  watcher = await t.connect('alpha', { token: await t.token('alpha', { user: 'watcher' }) });
  outsider = await t.connect('bravo', { token: adminB });
});
after(() => t?.close());

const userUpdated = (s: TestSocket, id: string, match: (u: User) => boolean, from = 0) =>
  s.next((f) => f.type === 'user_updated' && (f.user as User).id === id && match(f.user as User), 8000, from);

test('creation, rename and disable each reach the tenant’s sockets, with the public fields only', async () => {
  const created = await t.request('POST', '/api/admin/users', admin, {
    id: 'ana',
    name: 'Ana',
    email: 'ana@example.com',
    color: '#112233',
  });
  assert.equal(created.status, 201);
  const first = await userUpdated(watcher, 'ana', (u) => u.name === 'Ana');
  assert.deepEqual(first.user, { id: 'ana', name: 'Ana', role: 'agent', color: '#112233', disabled: false });
  assert.equal(first.tenant_id, 'alpha');
  assert.equal(typeof first.seq, 'number');
  assert.equal(typeof first.event_id, 'string');
  assert.ok(!JSON.stringify(first).includes('ana@example.com'), 'never the email');

  // The email alone is not public: no event. The rename right after takes the next seq.
  const mark = watcher.frames.length;
  assert.equal(
    (await t.request('PATCH', '/api/admin/users/ana', admin, { email: 'a@example.org' })).status,
    200,
  );
  assert.equal((await t.request('PATCH', '/api/admin/users/ana', admin, { name: 'Ana Gómez' })).status, 200);
  const renamed = await userUpdated(watcher, 'ana', (u) => u.name === 'Ana Gómez', mark);
  assert.equal(renamed.seq, Number(first.seq) + 1, 'the email change took no seq');

  const anaSocket = await t.connect('alpha', { token: await t.token('alpha', { user: 'ana' }) });
  assert.equal((await t.request('PATCH', '/api/admin/users/ana', admin, { disabled: true })).status, 200);
  const disabled = await userUpdated(watcher, 'ana', (u) => u.disabled);
  assert.equal(disabled.seq, Number(renamed.seq) + 1);
  assert.equal((await anaSocket.closed).code, 4401);
  assert.equal((await t.request('PATCH', '/api/admin/users/ana', admin, { disabled: false })).status, 200);
  await userUpdated(watcher, 'ana', (u) => !u.disabled, watcher.frames.indexOf(disabled) + 1);
});

test('a socket resuming from before the rename gets it replayed, in seq order', async () => {
  const probe = await t.connect('alpha', { token: admin });
  const since = Number((await probe.waitFor('connection_established')).last_seq);
  probe.close();
  assert.equal((await t.request('PATCH', '/api/admin/users/ana', admin, { name: 'Ana G.' })).status, 200);
  assert.equal((await t.request('PATCH', '/api/admin/users/ana', admin, { color: '#445566' })).status, 200);
  const resumed = await t.connect('alpha', { token: admin, since });
  const renamed = await userUpdated(resumed, 'ana', (u) => u.name === 'Ana G.' && u.color !== '#445566');
  const recoloured = await userUpdated(resumed, 'ana', (u) => u.color === '#445566');
  assert.deepEqual([renamed.seq, recoloured.seq], [since + 1, since + 2]);
  resumed.close();
});

test('newton user update on the running node’s database reaches its sockets', async () => {
  const mark = watcher.frames.length;
  const up = await runCli(['user', 'update', 'alpha', 'ana', '--name', 'Ana (CLI)'], t.env());
  assert.equal(up.code, 0, up.err);
  // Another process wrote the event: the node's users poll (every 2 s) reads it from the log.
  const frame = await userUpdated(watcher, 'ana', (u) => u.name === 'Ana (CLI)', mark);
  assert.equal(frame.tenant_id, 'alpha');
  const off = await runCli(['user', 'disable', 'alpha', 'ana'], t.env());
  assert.equal(off.code, 0, off.err);
  await userUpdated(watcher, 'ana', (u) => u.disabled, watcher.frames.indexOf(frame) + 1);
});

test('a change in tenant B reaches B only; tenant B never got a user_updated of tenant A', async () => {
  assert.equal((await t.request('POST', '/api/admin/users', adminB, { id: 'zoe', name: 'Zoe' })).status, 201);
  const zoe = await userUpdated(outsider, 'zoe', (u) => u.name === 'Zoe');
  assert.equal(zoe.tenant_id, 'bravo');
  // A round trip on alpha's watcher after B's change: it never got it.
  const id = 'after-b';
  watcher.send({ type: 'ping', id });
  await watcher.next((f) => f.type === 'pong' && f.id === id);
  const leaked = (s: TestSocket, tenant: string) =>
    s.frames.filter((f: Frame) => f.type === 'user_updated' && f.tenant_id !== tenant);
  assert.deepEqual(leaked(watcher, 'alpha'), []);
  assert.deepEqual(leaked(outsider, 'bravo'), []);
  assert.deepEqual(
    outsider.frames.filter((f) => f.type === 'user_updated').map((f) => (f.user as User).id),
    ['zoe'],
  );
});
