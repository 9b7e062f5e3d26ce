/**
 * `--json` on the commands a script parses (#14): token, tenant list,
 * instance list, receipts and doctor print one JSON document on stdout with
 * a stable shape; and `simulate` for a tenant that does not exist says so.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { runCli } from '../../testing/cli-runner.js';
import { upsertBody } from '../../testing/evolution-fixtures.js';
import { TestNewton } from '../../testing/harness.js';

let newton: TestNewton;

async function json<T>(...args: string[]): Promise<T> {
  const r = await runCli(args, newton.env());
  assert.equal(r.code, 0, r.err);
  return JSON.parse(r.out) as T;
}

before(async () => {
  newton = await TestNewton.start();
  await newton.addTenant('json_tenant', 'JSON Tenant');
  await newton.addInstance({
    tenantId: 'json_tenant',
    name: 'json-wa',
    number: '573014165044',
    apikey: 'json-key',
    webhookSecret: null,
    baseUrl: null,
  });
});
after(() => newton.close());

describe('--json', () => {
  test('token --json: the token, its tenant, role and expiry, and the claims', async () => {
    const before = Math.floor(Date.now() / 1000);
    const t = await json<{
      token: string;
      tenant: string;
      role: string;
      user_id: string | null;
      issued_at: string;
      expires_at: string;
      claims: { exp: number; iat: number };
    }>('token', 'json_tenant', '--user', 'ana', '--role', 'admin', '--ttl', '30m', '--json');
    assert.match(t.token, /^[\w-]+\.[\w-]+\.[\w-]+$/);
    assert.equal(t.tenant, 'json_tenant');
    assert.equal(t.role, 'admin');
    assert.equal(t.user_id, 'ana');
    assert.equal(t.claims.exp - t.claims.iat, 1800);
    assert.ok(t.claims.iat >= before - 1);
    assert.equal(t.expires_at, new Date(t.claims.exp * 1000).toISOString());
    // The token works.
    const socket = await newton.connect('json_tenant', { token: t.token });
    assert.equal(socket.frames[0]?.user_id, 'ana');
  });

  test('tenant list --json and instance list --json (secrets only said to be set)', async () => {
    const tenants = await json<{ id: string; name: string | null; last_seq: number }[]>(
      'tenant',
      'list',
      '--json',
    );
    assert.deepEqual(
      tenants.find((x) => x.id === 'json_tenant'),
      { id: 'json_tenant', name: 'JSON Tenant', last_seq: 0 },
    );
    const r = await runCli(['instance', 'list', 'json_tenant', '--json'], newton.env());
    assert.equal(r.code, 0, r.err);
    assert.doesNotMatch(r.out, /json-key/);
    assert.deepEqual(JSON.parse(r.out), [
      {
        tenant_id: 'json_tenant',
        provider: 'evolution',
        name: 'json-wa',
        number: '573014165044',
        base_url: null,
        apikey_set: true,
        webhook_secret_set: false,
        app_secret_set: false,
        verify_token_set: false,
      },
    ]);
    const ghost = await runCli(['instance', 'list', 'ghost_tenant', '--json'], newton.env());
    assert.equal(ghost.code, 1);
    assert.match(ghost.err, /tenant "ghost_tenant" does not exist \(newton tenant list shows them\)/);
  });

  test('receipts --json: an array of receipts in snake_case', async () => {
    const posted = await newton.evolution(
      upsertBody({ instance: 'json-wa', apikey: 'json-key', sender: '573014165044' }),
    );
    assert.equal(posted.body.outcome, 'accepted');
    const rows = await json<Record<string, unknown>[]>('receipts', '--tenant', 'json_tenant', '--json');
    assert.ok(Array.isArray(rows));
    const [latest] = rows;
    assert.equal(latest?.outcome, 'accepted');
    assert.equal(latest?.instance, 'json-wa');
    assert.equal(latest?.tenant_id, 'json_tenant');
    assert.match(String(latest?.received_at), /^\d{4}-\d\d-\d\dT/);
    assert.equal(typeof latest?.trace_id, 'string');
    const none = await json<unknown[]>('receipts', '--tenant', 'nobody', '--json');
    assert.deepEqual(none, []);
  });

  test('doctor --json: the report object', async () => {
    const r = await runCli(['doctor', 'json_tenant', '--no-probe', '--json'], newton.env());
    const report = JSON.parse(r.out) as {
      ok: boolean;
      tenant_id: string;
      hops: { id: string; status: string }[];
    };
    assert.equal(report.tenant_id, 'json_tenant');
    assert.equal(r.code, report.ok ? 0 : 1);
    assert.ok(
      report.hops.some((h) => h.id === 'tenant' && h.status === 'pass'),
      r.out,
    );
  });
});

describe('errors that lead to the cause', () => {
  test('simulate for a tenant that does not exist says so, not "add an instance"', async () => {
    const r = await runCli(
      ['simulate', 'no_such_tenant', '--from', '573001112233', '--text', 'hola'],
      newton.env(),
    );
    assert.equal(r.code, 1);
    assert.match(r.err, /tenant "no_such_tenant" does not exist \(newton tenant list shows them/);
    assert.doesNotMatch(r.err, /instance add/);
  });
});
