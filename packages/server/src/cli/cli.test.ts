/**
 * The `newton` command, run as a real process against the same data directory
 * as a running server: changes take effect without a restart, misuse exits 2.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runCli } from '../../testing/cli-runner.js';
import { upsertBody } from '../../testing/evolution-fixtures.js';
import { TestNewton } from '../../testing/harness.js';

const BIN = fileURLToPath(new URL('../../bin/newton.js', import.meta.url));
let newton: TestNewton;

function newtonCli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: newton.env() });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('exit', (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}

/**
 * The same command run in this process (testing/cli-runner.ts): one process
 * start costs seconds on a busy machine, so only the cases that are about the
 * process itself (exit codes through bin/newton.js) spawn one.
 */
async function newtonInProcess(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const r = await runCli(args, newton.env());
  return { code: r.code, stdout: r.out, stderr: r.err };
}

before(async () => {
  newton = await TestNewton.start();
});
after(() => newton.close());

describe('newton CLI next to a running server', () => {
  test('tenant add, instance add, token and simulate drive the running server without a restart', async () => {
    const added = await newtonCli('tenant', 'add', 'cli_tenant', '--name', 'CLI Tenant');
    assert.equal(added.code, 0, added.stderr);
    const inst = await newtonCli(
      'instance',
      'add',
      'cli_tenant',
      '--provider',
      'evolution',
      '--instance',
      'cli-wa',
      '--number',
      '+57 301 416 5044',
      '--apikey',
      'cli-key',
    );
    assert.equal(inst.code, 0, inst.stderr);
    assert.match(inst.stdout, /\/webhooks\/evolution/);

    const token = await newtonCli('token', 'cli_tenant', '--user', 'agent-7', '--ttl', '10m');
    assert.equal(token.code, 0, token.stderr);
    assert.match(token.stdout.trim(), /^[\w-]+\.[\w-]+\.[\w-]+$/);
    const socket = await newton.connect('cli_tenant', { token: token.stdout.trim() });
    assert.equal(socket.frames[0]?.user_id, 'agent-7');

    const sim = await newtonCli(
      'simulate',
      'cli_tenant',
      '--from',
      '+573001112233',
      '--text',
      'Hola desde la CLI',
      '--name',
      'Ana',
    );
    assert.equal(sim.code, 0, sim.stderr);
    const ev = await socket.waitFor('new_message');
    assert.equal((ev.message as { content: string }).content, 'Hola desde la CLI');
    assert.equal((ev.lead as { phone: string }).phone, '+573001112233');

    // The running server routes by the instance the CLI just created: a wrong number is unroutable.
    const wrong = await newton.evolution(
      upsertBody({ instance: 'cli-wa', apikey: 'cli-key', sender: '573009999999' }),
    );
    assert.equal(wrong.status, 202);
    assert.equal(wrong.body.outcome, 'unroutable');

    // It holds a conversation: removed only with --purge (instance-update.test.ts covers the refusal).
    const removed = await newtonCli(
      'instance',
      'remove',
      '--provider',
      'evolution',
      '--instance',
      'cli-wa',
      '--purge',
    );
    assert.equal(removed.code, 0, removed.stderr);
    const gone = await newton.evolution(
      upsertBody({ instance: 'cli-wa', apikey: 'cli-key', sender: '573014165044' }),
    );
    assert.equal(gone.body.outcome, 'unroutable');
    assert.match(String(gone.body.reason), /unknown instance "cli-wa"/);

    const seen = await newtonCli('receipts', '--outcome', 'unroutable', '--limit', '5');
    assert.equal(seen.code, 0, seen.stderr);
    assert.match(seen.stdout, /unroutable\tmessages\.upsert\tcli-wa\t-\tunknown instance "cli-wa"/);
    assert.match(
      seen.stdout,
      /unroutable\tmessages\.upsert\tcli-wa\tcli_tenant\tsender 573009999999@s\.whatsapp\.net is not the number 573014165044/,
    );

    const list = await newtonCli('tenant', 'list');
    assert.match(list.stdout, /^cli_tenant\tCLI Tenant\tlast_seq=2$/m);
  });

  const misuse: [string, string[], RegExp][] = [
    ['no command', [], /usage:/],
    ['unknown command', ['frobnicate'], /unknown command "frobnicate"/],
    ['tenant add without id', ['tenant', 'add'], /missing TENANT_ID/],
    ['bad tenant id', ['tenant', 'add', 'has space'], /must be 1-64 letters/],
    ['unknown option', ['token', 'x', '--colour', 'red'], /Unknown option '--colour'/],
    [
      'instance add without --instance',
      ['instance', 'add', 'x', '--provider', 'evolution'],
      /--instance is required/,
    ],
    [
      'unsupported provider',
      ['instance', 'add', 'x', '--provider', 'telegram', '--instance', 'i'],
      /not supported/,
    ],
    ['bad ttl', ['token', 'x', '--ttl', 'soon'], /not a duration/],
    ['bad role', ['token', 'x', '--role', 'root'], /--role must be agent or admin/],
    ['simulate with a bad phone', ['simulate', 'x', '--from', 'abc', '--text', 'hi'], /not a phone number/],
    ['receipts with a bad outcome', ['receipts', '--outcome', 'lost'], /--outcome must be one of/],
  ];
  for (const [i, [name, args, message]] of misuse.entries()) {
    test(`misuse: ${name} → exit 2 with a message on stderr`, async () => {
      // The first case goes through the real process (its exit code); the rules are the same in-process.
      const r = i === 0 ? await newtonCli(...args) : await newtonInProcess(...args);
      assert.equal(r.code, 2);
      assert.match(r.stderr, message);
      assert.equal(r.stdout, '');
    });
  }

  test('failures that are not misuse exit 1 and say why', async () => {
    const dup = await newtonCli('tenant', 'add', 'cli_tenant');
    assert.equal(dup.code, 1);
    assert.match(dup.stderr, /already exists/);
    const noTenant = await newtonInProcess(
      'instance',
      'add',
      'ghost',
      '--provider',
      'evolution',
      '--instance',
      'g',
    );
    assert.equal(noTenant.code, 1);
    assert.match(noTenant.stderr, /tenant ghost does not exist/);
    const noServer = await newtonInProcess(
      'simulate',
      'cli_tenant',
      '--from',
      '573001112233',
      '--text',
      'x',
      '--url',
      'http://127.0.0.1:1',
    );
    assert.equal(noServer.code, 1);
    assert.match(noServer.stderr, /(no evolution instance|cannot reach the server)/);
  });
});
