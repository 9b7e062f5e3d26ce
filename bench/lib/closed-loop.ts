/**
 * Closed-loop webhook load with autocannon (issue #16): `connections`
 * connections each post the next webhook as soon as the previous one is
 * answered, for `seconds`, every body a text `messages.upsert` with a message
 * id of its own. The rate is what the server sustains; its CPU per webhook is
 * read from /proc over the same window. autocannon runs in this (the bench's)
 * process, never in the server's.
 */
import autocannon from 'autocannon';
import type { ServerProcess } from './server.js';
import { nowMs, round } from './stats.js';
import { phoneFor, upsertBody } from './webhooks.js';

export interface ClosedLoopOptions {
  /** Evolution instance names, one per tenant; webhooks go round them. */
  instances: string[];
  connections: number;
  seconds: number;
  /** Message ids start with it, so runs on one store never repeat an id. */
  idPrefix: string;
}

export interface ClosedLoopResult {
  connections: number;
  seconds: number;
  /** 2xx answers whose body said `accepted`… as far as autocannon can tell: 2xx. */
  ok: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  /** 2xx answers per second of the run. */
  rate: number;
  latencyP50: number;
  latencyP99: number;
  /** Server CPU over the run, seconds. */
  serverCpuSeconds: number;
  /** Server CPU per 2xx webhook, milliseconds. */
  cpuMsPerWebhook: number;
}

/** Runs the load against `server` (its `/webhooks/evolution`). */
export async function closedLoop(server: ServerProcess, o: ClosedLoopOptions): Promise<ClosedLoopResult> {
  let n = 0;
  const T = o.instances.length;
  const cpu0 = server.cpuSeconds();
  const t0 = nowMs();
  const result = await autocannon({
    url: server.url,
    connections: o.connections,
    duration: o.seconds,
    requests: [
      {
        method: 'POST',
        path: '/webhooks/evolution',
        headers: { 'content-type': 'application/json' },
        setupRequest: (req) => {
          const i = n++;
          const tenant = i % T;
          const phone = phoneFor(tenant, Math.floor(i / T) % 10);
          return {
            ...req,
            body: upsertBody(o.instances[tenant] as string, phone, `${o.idPrefix}-${i}`, `cl ${i}`),
          };
        },
      },
    ],
  });
  const wall = (nowMs() - t0) / 1000;
  const cpu = server.cpuSeconds() - cpu0;
  const ok = result['2xx'];
  return {
    connections: o.connections,
    seconds: round(wall, 2),
    ok,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    rate: round(ok / wall, 0),
    latencyP50: result.latency.p50,
    latencyP99: result.latency.p99,
    serverCpuSeconds: round(cpu, 3),
    cpuMsPerWebhook: ok > 0 ? round((cpu * 1000) / ok, 3) : Number.NaN,
  };
}
