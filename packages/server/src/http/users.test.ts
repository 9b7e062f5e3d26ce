/**
 * Agents (#15): `/api/admin/users` and `GET /api/users`, `newton user`,
 * tokens naming a user (stored role, disabled users refused at once: open
 * sockets closed with 4401, the next request 401), tokens whose `sub` is no
 * user (working as before), and tenant isolation of every route.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { AdminUser, User } from '@newton/protocol';
import { runCli } from '../../testing/cli-runner.js';
import { eventually, TestNewton } from '../../testing/harness.js';

let t: TestNewton;
let adminA: string;
let adminB: string;

before(async () => {
  t = await TestNewton.start();
  await t.addTenant('alpha');
  await t.addTenant('bravo');
  // Tokens whose sub is no user: they act with the token's role (how deployments worked before users).
  adminA = await t.token('alpha', { user: 'root', role: 'admin' });
  adminB = await t.token('bravo', { user: 'root', role: 'admin' });
});
after(() => t?.close());

const createUser = (token: string, body: unknown) => t.request('POST', '/api/admin/users', token, body);

describe('the admin API', () => {
  test('creates, lists, reads and changes users of the token’s tenant', async () => {
    const created = await createUser(adminA, {
      id: 'ana',
      name: ' Ana Gómez ',
      role: 'admin',
      email: 'ana@example.com',
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const ana = created.body as unknown as AdminUser;
    assert.equal(ana.name, 'Ana Gómez');
    assert.equal(ana.role, 'admin');
    assert.match(ana.color, /^#[0-9a-f]{6}$/);
    assert.equal(ana.disabled, false);
    assert.equal((await createUser(adminA, { id: 'bob', name: 'Bob', color: '#112233' })).status, 201);

    const list = await t.get('/api/admin/users', adminA);
    assert.deepEqual(
      (list.body.items as AdminUser[]).map((u) => [u.id, u.role, u.color === '#112233' || u.id === 'ana']),
      [
        ['ana', 'admin', true],
        ['bob', 'agent', true],
      ],
    );
    const patched = await t.request('PATCH', '/api/admin/users/bob', adminA, {
      name: 'Bob Ruiz',
      email: null,
    });
    assert.equal(patched.status, 200);
    assert.equal(patched.body.name, 'Bob Ruiz');
    assert.equal((await t.get('/api/admin/users/bob', adminA)).body.name, 'Bob Ruiz');
  });

  test('refuses bad input with a code, storing nothing', async () => {
    const cases: [unknown, number, string][] = [
      [{ id: 'ana', name: 'Again' }, 409, 'user_exists'],
      [{ id: 'has space', name: 'X' }, 400, 'invalid_request'],
      [{ id: 'carl', name: '' }, 400, 'invalid_request'],
      [{ id: 'carl', name: 'Carl', role: 'owner' }, 400, 'invalid_request'],
      [{ id: 'carl', name: 'Carl', color: 'red' }, 400, 'invalid_request'],
      [{ id: 'carl', name: 'Carl', email: 'not-an-email' }, 400, 'invalid_request'],
      [{ id: 'carl', name: 'Carl', extra: 1 }, 400, 'invalid_request'],
      [{ id: 'carl', name: 'x'.repeat(101) }, 400, 'invalid_request'],
    ];
    for (const [body, status, code] of cases) {
      const res = await createUser(adminA, body);
      assert.deepEqual([res.status, res.body.error], [status, code], JSON.stringify(body));
    }
    assert.equal((await t.get('/api/admin/users/carl', adminA)).status, 404);
    const big = await createUser(adminA, { id: 'carl', name: 'Carl', email: `${'a'.repeat(9000)}@x.co` });
    assert.equal(big.status, 413);
  });

  test('an agent cannot manage users (403); GET /api/users is for every agent', async () => {
    const agent = await t.token('alpha', { user: 'someone' });
    assert.equal((await t.get('/api/admin/users', agent)).status, 403);
    assert.equal((await createUser(agent, { id: 'x', name: 'X' })).body.error, 'forbidden');
    const users = await t.get('/api/users', agent);
    assert.equal(users.status, 200);
    const items = users.body.items as User[];
    assert.deepEqual(Object.keys(items[0] ?? {}).sort(), ['color', 'disabled', 'id', 'name', 'role']);
    assert.deepEqual(
      items.map((u) => u.id),
      ['ana', 'bob'],
    );
  });

  test("tenant B never sees nor changes tenant A's users", async () => {
    assert.deepEqual((await t.get('/api/admin/users', adminB)).body.items, []);
    assert.deepEqual((await t.get('/api/users', adminB)).body.items, []);
    assert.equal((await t.get('/api/admin/users/ana', adminB)).status, 404);
    const patch = await t.request('PATCH', '/api/admin/users/ana', adminB, { disabled: true });
    assert.deepEqual([patch.status, patch.body.error], [404, 'not_found']);
    assert.equal((await t.get('/api/admin/users/ana', adminA)).body.disabled, false);
    // The same id in another tenant is another user.
    assert.equal((await createUser(adminB, { id: 'ana', name: 'Ana de Bravo' })).status, 201);
    assert.equal((await t.get('/api/admin/users/ana', adminA)).body.name, 'Ana Gómez');
  });
});

describe('tokens naming a user', () => {
  test("the stored role applies, whatever the token's role claim", async () => {
    // bob is an agent: an admin-claiming token of his is an agent's.
    const bobAsAdmin = await t.token('alpha', { user: 'bob', role: 'admin' });
    assert.equal((await t.get('/api/me', bobAsAdmin)).body.role, 'agent');
    assert.equal((await t.get('/api/admin/users', bobAsAdmin)).status, 403);
    // ana is an admin: her agent-claiming token is an admin's.
    const anaAsAgent = await t.token('alpha', { user: 'ana' });
    assert.equal((await t.get('/api/admin/users', anaAsAgent)).status, 200);
  });

  test('a disabled user: its open socket closes with 4401 and its next request is refused, at once', async () => {
    await createUser(adminA, { id: 'dave', name: 'Dave' });
    const dave = await t.token('alpha', { user: 'dave' });
    const bob = await t.token('alpha', { user: 'bob' });
    const daveSocket = await t.connect('alpha', { token: dave });
    const bobSocket = await t.connect('alpha', { token: bob });
    assert.equal((await t.get('/api/conversations', dave)).status, 200);

    const res = await t.request('PATCH', '/api/admin/users/dave', adminA, { disabled: true });
    assert.equal(res.status, 200);
    assert.equal(res.body.disabled, true);
    assert.ok(res.body.disabled_at);
    assert.deepEqual(await daveSocket.closed, { code: 4401, reason: 'user_disabled' });
    const refused = await t.get('/api/conversations', dave);
    assert.deepEqual([refused.status, refused.body.error], [401, 'user_disabled']);
    const again = await t.socket('alpha', { token: dave });
    assert.deepEqual(await again.closed, { code: 4401, reason: 'user_disabled' });
    // Bob's socket and requests are untouched.
    assert.equal(bobSocket.ws.readyState, bobSocket.ws.OPEN);
    assert.equal((await t.get('/api/conversations', bob)).status, 200);
    // Enabled again: the same token works.
    await t.request('PATCH', '/api/admin/users/dave', adminA, { disabled: false });
    assert.equal((await t.get('/api/conversations', dave)).status, 200);
  });

  test("a user disabled in tenant A keeps tenant B's access when the token names both", async () => {
    await createUser(adminA, { id: 'erin', name: 'Erin' });
    await t.request('PATCH', '/api/admin/users/erin', adminA, { disabled: true });
    const both = await t.token(['alpha', 'bravo'], { user: 'erin' });
    assert.equal((await t.get('/api/conversations', both, { 'x-tenant-id': 'alpha' })).status, 403);
    assert.equal((await t.get('/api/conversations', both, { 'x-tenant-id': 'bravo' })).status, 200);
  });

  test('a token whose sub is no user keeps working, with its own role', async () => {
    const legacy = await t.token('alpha', { user: 'crm-service' });
    const me = await t.get('/api/me', legacy);
    assert.deepEqual([me.status, me.body.user_id, me.body.role], [200, 'crm-service', 'agent']);
    const s = await t.connect('alpha', { token: legacy });
    assert.equal(s.ws.readyState, s.ws.OPEN);
  });
});

describe('newton user', () => {
  const cli = (...args: string[]) => runCli(['user', ...args], t.env());

  test('add, list, update, disable, with --json; the running node refuses the disabled user', async () => {
    const add = await cli('add', 'alpha', 'fran', '--name', 'Fran', '--email', 'fran@example.com', '--json');
    assert.equal(add.code, 0, add.err);
    const fran = JSON.parse(add.out) as AdminUser;
    assert.deepEqual(
      [fran.id, fran.name, fran.role, fran.email],
      ['fran', 'Fran', 'agent', 'fran@example.com'],
    );
    assert.equal((await cli('add', 'alpha', 'fran', '--name', 'Fran')).code, 1);
    assert.equal((await cli('add', 'alpha', 'bad id', '--name', 'X')).code, 2);
    assert.equal((await cli('add', 'alpha', 'gus')).code, 2, '--name is required');
    assert.equal((await cli('add', 'nope', 'gus', '--name', 'Gus')).code, 1, 'unknown tenant');

    const list = await cli('list', 'alpha', '--json');
    assert.ok((JSON.parse(list.out) as AdminUser[]).some((u) => u.id === 'fran'));
    assert.match((await cli('list', 'alpha')).out, /^fran\tFran\tagent$/m);

    const up = await cli('update', 'alpha', 'fran', '--role', 'admin', '--json');
    assert.equal(JSON.parse(up.out).role, 'admin');
    assert.equal((await cli('update', 'alpha', 'fran')).code, 2, 'nothing to change');
    assert.equal((await cli('update', 'alpha', 'nobody', '--name', 'N')).code, 1);

    const token = await t.token('alpha', { user: 'fran' });
    const socket = await t.connect('alpha', { token });
    const off = await cli('disable', 'alpha', 'fran', '--json');
    assert.equal(off.code, 0, off.err);
    assert.equal(JSON.parse(off.out).disabled, true);
    // Another process changed the table: the node sees it by its poll (every 2 s).
    assert.deepEqual(await socket.closed, { code: 4401, reason: 'user_disabled' });
    await eventually(async () => (await t.get('/api/me', token)).status === 401, 5000, 'REST refused');
    assert.equal((await cli('update', 'alpha', 'fran', '--enable')).code, 0);
    await eventually(async () => (await t.get('/api/me', token)).status === 200, 5000, 'REST allowed again');
  });

  test('--help documents every subcommand', async () => {
    for (const sub of ['add', 'list', 'update', 'disable']) {
      const help = await runCli(['user', sub, '--help'], t.env());
      assert.equal(help.code, 0);
      assert.match(help.out, new RegExp(`newton user ${sub} TENANT_ID`));
    }
  });
});
