/**
 * Webhook → socket latency (issue #2): a Newton server in its own process
 * (embedded default), N sockets of one tenant, M messages posted one after
 * another; for each message, the time from sending the webhook until each
 * socket has the `new_message` frame.
 *
 *   npm run bench -- --scenario seq --messages 1000 --sockets 100
 *   node --import tsx bench/latency.ts --messages 1000 --sockets 100 [--json]
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { NODE_FLAGS } from '@newton/server/testing/node-flags';
import { WebSocket } from 'ws';

const { values } = parseArgs({
  options: {
    messages: { type: 'string', default: '1000' },
    sockets: { type: 'string', default: '100' },
    json: { type: 'boolean', default: false },
  },
});
const MESSAGES = Number(values.messages);
const SOCKETS = Number(values.sockets);
const BIN = path.resolve(import.meta.dirname, '../packages/server/bin/newton.js');
const dataDir = mkdtempSync(path.join(tmpdir(), 'newton-bench-'));
const env = { ...process.env, DATA_DIR: dataDir, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'warn' };

function cli(...args: string[]): string {
  return execFileSync(process.execPath, [BIN, ...args], { env, encoding: 'utf8' }).trim();
}

function startServer(): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [...NODE_FLAGS, BIN, 'start'], {
    env,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let err = '';
    child.stderr?.on('data', (d) => {
      err += d;
      const m = /listening on (http:\/\/[\d.:]+)/.exec(err);
      if (m?.[1]) resolve({ child, url: m[1] });
    });
    child.on('exit', (code) => reject(new Error(`server exited ${code}: ${err}`)));
  });
}

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
}

/** CPU seconds (user+sys) a process has used, from /proc. */
function cpuSeconds(pid: number): number {
  try {
    const stat =
      execFileSync('cat', [`/proc/${pid}/stat`], { encoding: 'utf8' })
        .split(') ')[1]
        ?.split(' ') ?? [];
    return (Number(stat[11]) + Number(stat[12])) / 100;
  } catch {
    return Number.NaN;
  }
}

async function main(): Promise<void> {
  cli('tenant', 'add', 'bench');
  cli('instance', 'add', 'bench', '--provider', 'evolution', '--instance', 'bench-wa');
  const token = cli('token', 'bench', '--ttl', '1h');
  const { child, url } = await startServer();
  const wsUrl = `${url.replace('http', 'ws')}/ws/conversations/bench?token=${token}`;

  const arrivals = new Map<string, number[]>();
  let expected: { text: string; resolve: () => void; got: number } | undefined;
  const sockets = await Promise.all(
    Array.from(
      { length: SOCKETS },
      () =>
        new Promise<WebSocket>((resolve, reject) => {
          const ws = new WebSocket(wsUrl);
          ws.on('message', (data) => {
            const f = JSON.parse(data.toString());
            if (f.type === 'connection_established') resolve(ws);
            if (f.type === 'new_message' && expected && f.message.content === expected.text) {
              const t = performance.now();
              arrivals.get(expected.text)?.push(t);
              if (++expected.got === SOCKETS) expected.resolve();
            }
          });
          ws.on('error', reject);
        }),
    ),
  );

  const latencies: number[] = [];
  const lastSocket: number[] = [];
  const cpuBefore = cpuSeconds(child.pid ?? 0);
  const wallStart = performance.now();
  for (let i = 0; i < MESSAGES; i++) {
    const text = `bench message ${i}`;
    arrivals.set(text, []);
    const done = new Promise<void>((resolve) => {
      expected = { text, resolve, got: 0 };
    });
    const body = JSON.stringify({
      event: 'messages.upsert',
      instance: 'bench-wa',
      data: {
        key: {
          remoteJid: `5730011${String(i % 100).padStart(5, '0')}@s.whatsapp.net`,
          fromMe: false,
          id: `BENCH${i}`,
        },
        pushName: 'Bench',
        message: { conversation: text },
        messageType: 'conversation',
        messageTimestamp: Math.floor(Date.now() / 1000),
      },
    });
    const sent = performance.now();
    const res = await fetch(`${url}/webhooks/evolution`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });
    await res.arrayBuffer();
    await done;
    const times = arrivals.get(text) ?? [];
    for (const t of times) latencies.push(t - sent);
    lastSocket.push(Math.max(...times) - sent);
    arrivals.delete(text);
  }
  const wall = (performance.now() - wallStart) / 1000;
  const cpu = cpuSeconds(child.pid ?? 0) - cpuBefore;
  latencies.sort((a, b) => a - b);
  lastSocket.sort((a, b) => a - b);
  const result = {
    scenario: 'webhook→socket, sequential, embedded (SQLite, in-process bus)',
    messages: MESSAGES,
    sockets: SOCKETS,
    deliveries: latencies.length,
    p50_ms: +quantile(latencies, 0.5).toFixed(2),
    p99_ms: +quantile(latencies, 0.99).toFixed(2),
    max_ms: +(latencies.at(-1) ?? 0).toFixed(2),
    last_socket_p50_ms: +quantile(lastSocket, 0.5).toFixed(2),
    last_socket_p99_ms: +quantile(lastSocket, 0.99).toFixed(2),
    wall_s: +wall.toFixed(2),
    server_cpu_s: +cpu.toFixed(2),
    machine: `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`,
  };
  for (const ws of sockets) ws.terminate();
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
  rmSync(dataDir, { recursive: true, force: true });
  if (values.json) console.log(JSON.stringify(result));
  else console.table(result);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
