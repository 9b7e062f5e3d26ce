/**
 * The packages as a user gets them (issue #14): `npm pack` of @newton/protocol, @newton/client and
 * @newton/server, each tarball installed into a fresh project outside the repository:
 * - an empty folder where `npx newton start` from the server tarball answers /healthz and serves
 *   the inbox it ships;
 * - a plain Node ESM script that connects to that server with `WebSocketService` (the `ws` package
 *   passed in) and receives the `new_message` of a simulated webhook;
 * - a TypeScript project that type-checks against the SDK's types with `moduleResolution` node16
 *   and bundler;
 * - a Vite + Svelte app that builds with the SDK in it.
 * Third-party packages (ws, typescript, vite, svelte) come from the npm registry, through the npm
 * cache (`--prefer-offline`). Slow: the server's install builds better-sqlite3.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { buildIfStale, packAll, project, Running, run, type Tarballs, userEnv } from './lib/packing.js';

const LONG = { timeout: 900_000 };
/** The packages do not depend on the store: the SQLite pass (on Node 20 and on 24) runs this file. */
const SKIP = process.env.NEWTON_TEST_DB === 'postgres' ? 'runs in the SQLite pass only' : false;
const TEXT = 'hola desde el paquete';

let tmp: string;
let tgz: Tarballs;

function dir(name: string): string {
  const d = path.join(tmp, name);
  mkdirSync(d);
  return d;
}

describe(`packed packages on Node ${process.version}`, { ...LONG, skip: SKIP }, () => {
  before(async () => {
    tmp = mkdtempSync(path.join(os.tmpdir(), 'newton-pack-'));
    await buildIfStale();
    tgz = await packAll(dir('tarballs'));
  }, LONG);
  after(() => rmSync(tmp, { recursive: true, force: true }));

  test('the tarballs hold compiled code, types and the inbox, and no tests', async () => {
    const list = async (file: string) =>
      (await run('tar', ['tzf', file], { cwd: tmp })).out.split('\n').filter(Boolean);
    const client = await list(tgz.client);
    for (const f of ['package/dist/index.js', 'package/dist/index.d.ts', 'package/dist/index.js.map'])
      assert.ok(client.includes(f), `client tarball has ${f}`);
    assert.ok(!client.some((f) => f.endsWith('.test.ts')), 'no tests in the client tarball');
    const server = await list(tgz.server);
    for (const f of ['package/bin/newton.js', 'package/dist/cli.js', 'package/web/index.html'])
      assert.ok(server.includes(f), `server tarball has ${f}`);
    assert.ok(!server.some((f) => f.startsWith('package/src/')), 'the server ships dist/, not src/');
  });

  test('npx newton start from the server tarball; a Node script receives new_message', LONG, async () => {
    const app = dir('server');
    await project(app, {}, [tgz.server]);
    const env = userEnv({
      DATA_DIR: path.join(app, 'data'),
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
    });
    const npx = (...args: string[]) => run('npx', ['--no-install', 'newton', ...args], { cwd: app, env });
    await npx('tenant', 'add', 'acme');
    await npx('instance', 'add', 'acme', '--provider', 'evolution', '--instance', 'shop');
    const token = (await npx('token', 'acme')).out.trim();
    assert.match(token, /^ey[\w-]+\.[\w-]+\.[\w-]+$/);

    const server = new Running('npx', ['--no-install', 'newton', 'start'], { cwd: app, env });
    try {
      const url = (await server.waitFor(/listening on (http:\/\/[\d.:]+)/, 60_000))[1] ?? '';
      const health = await fetch(`${url}/healthz`);
      assert.equal(health.status, 200);
      assert.equal(((await health.json()) as { status: string }).status, 'ok');
      const inbox = await fetch(`${url}/`, { headers: { accept: 'text/html' } });
      assert.equal(inbox.status, 200, 'the inbox shipped in the tarball is served');
      assert.match(await inbox.text(), /<title>Newton inbox/);

      const node = dir('node-client');
      await project(
        node,
        {
          'client.mjs': `import { WebSocket } from 'ws';
import { WebSocketService } from '@newton/client';
const svc = new WebSocketService({
  baseUrl: process.env.NEWTON_URL,
  tenantId: 'acme',
  getToken: () => process.env.NEWTON_TOKEN,
  WebSocket,
});
svc.state.subscribe((s) => console.log('state ' + s.status));
svc.on('new_message', (e) => {
  console.log('new_message ' + JSON.stringify(e.message));
  svc.destroy();
});
svc.connect();
`,
        },
        [tgz.protocol, tgz.client, 'ws@^8.18.0'],
      );
      const client = new Running(process.execPath, ['client.mjs'], {
        cwd: node,
        env: userEnv({ NEWTON_URL: url, NEWTON_TOKEN: token }),
      });
      try {
        await client.waitFor(/state open/, 30_000);
        await npx('simulate', 'acme', '--from', '573001234567', '--text', TEXT, '--url', url);
        const line = await client.waitFor(/new_message (.*)/, 30_000);
        assert.ok(line[1]?.includes(TEXT), `the event carries the text: ${line[1]}`);
        assert.equal(await client.exit(30_000), 0, 'destroy() lets the script end');
      } finally {
        await client.stop();
      }
    } finally {
      await server.stop();
    }
  });

  test('a TypeScript project type-checks against the SDK (node16 and bundler)', LONG, async () => {
    const ts = dir('typescript');
    const options = (resolution: string, module: string) =>
      JSON.stringify({
        compilerOptions: {
          module,
          moduleResolution: resolution,
          target: 'ES2022',
          lib: ['ES2022'],
          types: [],
          strict: true,
          noEmit: true,
          skipLibCheck: false,
        },
        files: ['index.ts'],
      });
    await project(
      ts,
      {
        'index.ts': `import { type ConnectionState, type NewMessageEvent, WebSocketService } from '@newton/client';
import { CloseCode } from '@newton/protocol';

const svc = new WebSocketService({ baseUrl: 'https://newton.example.com', tenantId: 't', getToken: () => 'jwt' });
svc.on('new_message', (e: NewMessageEvent) => {
  const conversation: string = e.conversation_id;
  void conversation;
});
svc.state.subscribe((s: ConnectionState) => void s.status);
const code: number = Object.values(CloseCode)[0] ?? 0;
void code;
// @ts-expect-error the SDK's types are real: no such event
svc.on('no_such_event', () => {});
// @ts-expect-error the SDK's types are real: tenantId is a string
new WebSocketService({ baseUrl: 'x', tenantId: 1, getToken: () => 'jwt' });
`,
        'tsconfig.node16.json': options('node16', 'node16'),
        'tsconfig.bundler.json': options('bundler', 'esnext'),
      },
      [tgz.protocol, tgz.client, 'typescript@~5.9.3'],
    );
    for (const config of ['tsconfig.node16.json', 'tsconfig.bundler.json']) {
      await run(process.execPath, ['node_modules/typescript/bin/tsc', '-p', config], { cwd: ts });
    }
  });

  test('a Vite + Svelte app builds with the SDK', LONG, async () => {
    const web = dir('vite-svelte');
    await project(
      web,
      {
        'vite.config.js': `import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig } from 'vite';
export default defineConfig({ plugins: [svelte()], build: { rolldownOptions: { checks: { bundlerTimings: false } } } });
`,
        'index.html': `<!doctype html><html><body><div id="app"></div><script type="module" src="/src/main.js"></script></body></html>
`,
        'src/main.js': `import { mount } from 'svelte';
import App from './App.svelte';
mount(App, { target: document.getElementById('app') });
`,
        'src/App.svelte': `<script>
  import { WebSocketService } from '@newton/client';
  const svc = new WebSocketService({ baseUrl: location.origin, tenantId: 'demo', getToken: () => 'jwt' });
  let status = $state('idle');
  svc.state.subscribe((s) => (status = s.status));
  svc.connect();
</script>

<p>newton-packed-app: {status}</p>
`,
      },
      [tgz.protocol, tgz.client, 'vite@^8.3.8', 'svelte@^5.57.3', '@sveltejs/vite-plugin-svelte@^7.3.1'],
    );
    await run(process.execPath, ['node_modules/vite/bin/vite.js', 'build', '--logLevel', 'warn'], {
      cwd: web,
    });
    const assets = path.join(web, 'dist/assets');
    const js = readdirSync(assets)
      .filter((f) => f.endsWith('.js'))
      .map((f) => readFileSync(path.join(assets, f), 'utf8'))
      .join('\n');
    assert.match(js, /newton-packed-app/, 'the app is in the bundle');
    assert.match(js, /connection_established/, 'and so is the SDK');
  });
});
