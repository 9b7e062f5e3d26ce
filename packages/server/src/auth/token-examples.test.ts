/**
 * The token examples of docs/auth.md work as printed (#14): docs/examples/
 * mint-token.mjs (Node, jose), mint_token.py (PyJWT) and crm-jwks.mjs (a CRM
 * backend signing ES256 and serving its JWKS) each give a token a real node
 * accepts on its socket and on REST.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, execFile, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { TestNewton } from '../../testing/harness.js';

const EXAMPLES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../docs/examples');
const SECRET = 'crm-and-newton-share-this-secret-0123456789';
const run = promisify(execFile);

/** Connects with `token` and checks the first frame and `GET /api/me` speak for `user`. */
async function accepted(t: TestNewton, token: string, user: string, role: string): Promise<void> {
  const socket = await t.connect('acme', { token });
  const first = socket.frames[0];
  assert.deepEqual([first?.type, first?.tenant_id, first?.user_id], ['connection_established', 'acme', user]);
  socket.close();
  const me = await t.get('/api/me', token);
  assert.deepEqual(me.body, { user_id: user, tenant_id: 'acme', tenants: ['acme'], role });
}

describe('HS256 with the shared secret', () => {
  let t: TestNewton;
  after(() => t?.close());

  test('mint-token.mjs (jose): its token opens the socket and REST', async () => {
    t = await TestNewton.start({ jwtSecret: SECRET });
    await t.addTenant('acme');
    const { stdout } = await run(process.execPath, [path.join(EXAMPLES, 'mint-token.mjs'), 'acme', 'ana'], {
      env: { ...process.env, NEWTON_JWT_SECRET: SECRET },
    });
    await accepted(t, stdout.trim(), 'ana', 'agent');
    const admin = await run(
      process.execPath,
      [path.join(EXAMPLES, 'mint-token.mjs'), 'acme', 'boss', 'admin'],
      {
        env: { ...process.env, NEWTON_JWT_SECRET: SECRET },
      },
    );
    await accepted(t, admin.stdout.trim(), 'boss', 'admin');
    // Signed with another secret: refused.
    const other = await run(process.execPath, [path.join(EXAMPLES, 'mint-token.mjs'), 'acme', 'ana'], {
      env: { ...process.env, NEWTON_JWT_SECRET: `${SECRET}-not` },
    });
    const refused = await t.socket('acme', { token: other.stdout.trim() });
    assert.deepEqual(await refused.closed, { code: 4401, reason: 'unauthorized' });
  });

  test('mint-token.mjs without a secret says how to call it and exits 2', async () => {
    const res = spawnSync(process.execPath, [path.join(EXAMPLES, 'mint-token.mjs'), 'acme'], {
      env: { ...process.env, NEWTON_JWT_SECRET: '' },
      encoding: 'utf8',
    });
    assert.equal(res.status, 2);
    assert.match(res.stderr, /usage: NEWTON_JWT_SECRET=/);
  });

  // PyJWT is not a dependency of Newton: this runs where /usr/bin/python3 has it
  // (Debian: apt-get install python3-jwt) and says so when it skips.
  const python = '/usr/bin/python3';
  const hasPyJwt = spawnSync(python, ['-c', 'import jwt'], { stdio: 'ignore' }).status === 0;
  test('mint_token.py (PyJWT): its token opens the socket and REST', {
    skip: hasPyJwt ? false : `${python} cannot import jwt (PyJWT): apt-get install python3-jwt to run it`,
  }, async () => {
    const { stdout } = await run(python, [path.join(EXAMPLES, 'mint_token.py'), 'acme', 'py-user', 'admin'], {
      env: { ...process.env, NEWTON_JWT_SECRET: SECRET },
    });
    await accepted(t, stdout.trim(), 'py-user', 'admin');
  });
});

describe('ES256 with the CRM’s JWKS (JWKS_URL)', () => {
  let crm: ChildProcess | undefined;
  let t: TestNewton | undefined;
  after(async () => {
    await t?.close();
    if (crm && crm.exitCode === null) {
      crm.kill('SIGTERM');
      await once(crm, 'exit');
    }
  });

  test('crm-jwks.mjs: Newton verifies the tokens its /api/newton-token mints', async () => {
    crm = spawn(process.execPath, [path.join(EXAMPLES, 'crm-jwks.mjs')], {
      env: { ...process.env, PORT: '0' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const lines = createInterface({ input: crm.stdout as NodeJS.ReadableStream });
    const [line] = (await once(lines, 'line')) as [string];
    const jwksUrl = line.replace(/^JWKS_URL=/, '');
    assert.match(jwksUrl, /^http:\/\/127\.0\.0\.1:\d+\/\.well-known\/jwks\.json$/);
    t = await TestNewton.start({ jwksUrl, jwtSecret: undefined });
    await t.addTenant('acme');
    const crmBase = new URL(jwksUrl).origin;
    const { token } = (await (await fetch(`${crmBase}/api/newton-token?tenant=acme&user=carla`)).json()) as {
      token: string;
    };
    assert.equal(JSON.parse(Buffer.from(token.split('.')[0] ?? '', 'base64url').toString()).alg, 'ES256');
    await accepted(t, token, 'carla', 'agent');
    // HS256 is refused on a JWKS-only node: it holds no secret.
    const { stdout } = await run(process.execPath, [path.join(EXAMPLES, 'mint-token.mjs'), 'acme', 'ana'], {
      env: { ...process.env, NEWTON_JWT_SECRET: SECRET },
    });
    const refused = await t.socket('acme', { token: stdout.trim() });
    assert.deepEqual(await refused.closed, { code: 4401, reason: 'unauthorized' });
  });
});
