/**
 * The open-loop webhook sender of a load-generator process
 * (bench/lib/client-worker.ts). Times are CLOCK_MONOTONIC milliseconds
 * (`nowMs`), the same clock in every process on the machine, so the send time
 * embedded in a webhook's text can be compared with its arrival at a socket.
 */
import { Agent, request } from 'node:http';
import { nowMs, sleep } from './stats.js';
import { phoneFor, upsertBody } from './webhooks.js';

export interface LoadArgs {
  /** Base URLs of the nodes; consecutive webhooks alternate between them. */
  targets: string[];
  /** Evolution instance names, one per tenant (tenant i ↔ instances[i]). */
  instances: string[];
  /** Tenant index offset for phone numbers (instances[i] is tenant tenantBase + i). */
  phonesPerTenant: number;
  /** Global offered rate (webhooks/s) over all shards. */
  rate: number;
  total: number;
  shard: number;
  shards: number;
  /** Monotonic ms when webhook 0 is due. */
  startAt: number;
  connections: number;
  idPrefix: string;
  /** Give up on answers this long after the last send. */
  drainMs: number;
}

/**
 * Open-loop webhook sender: webhook i is due at startAt + i/rate and is sent
 * then, whether or not earlier ones were answered (queueing in the agent when
 * every connection is busy counts towards the latency). Its text carries the
 * send time (`lat <ms>`), for the sockets to compute webhook → socket latency.
 */
export async function load(a: LoadArgs) {
  const agents = a.targets.map(() => new Agent({ keepAlive: true, maxSockets: a.connections }));
  const interval = 1000 / a.rate;
  const T = a.instances.length;
  const latency: number[] = [];
  const service: number[] = [];
  const lag: number[] = [];
  const statuses: Record<string, number> = {};
  let accepted = 0;
  let errors = 0;
  let outstanding = 0;
  let sent = 0;
  let lastAnswer = 0;
  let idx = a.shard;
  let allAnswered: () => void = () => {};
  const answered = new Promise<void>((r) => {
    allAnswered = r;
  });
  let sendingDone = false;
  const finish = () => {
    if (sendingDone && outstanding === 0) allAnswered();
  };
  const fire = (i: number, due: number) => {
    const tenant = i % T;
    const round = Math.floor(i / T);
    const node = (i + round) % a.targets.length;
    const phone = phoneFor(tenant, round % a.phonesPerTenant);
    const sendAt = nowMs();
    const body = upsertBody(a.instances[tenant] as string, phone, `${a.idPrefix}-${i}`, `lat ${sendAt}`);
    lag.push(sendAt - due);
    outstanding++;
    sent++;
    const req = request(
      `${a.targets[node]}/webhooks/evolution`,
      {
        method: 'POST',
        agent: agents[node],
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => {
          text += d;
        });
        res.on('end', () => {
          const t = nowMs();
          lastAnswer = t;
          latency.push(t - due);
          service.push(t - sendAt);
          const k = String(res.statusCode);
          statuses[k] = (statuses[k] ?? 0) + 1;
          if (text.includes('"outcome":"accepted"')) accepted++;
          outstanding--;
          finish();
        });
      },
    );
    req.on('error', () => {
      errors++;
      outstanding--;
      finish();
    });
    req.end(body);
  };
  await new Promise<void>((resolve) => {
    const tick = () => {
      const now = nowMs();
      while (idx < a.total) {
        const due = a.startAt + idx * interval;
        if (due > now) break;
        fire(idx, due);
        idx += a.shards;
      }
      if (idx >= a.total) return resolve();
      const due = a.startAt + idx * interval;
      setTimeout(tick, Math.max(0, Math.floor(due - nowMs()) - 1));
    };
    const wait = a.startAt - nowMs();
    setTimeout(tick, Math.max(0, wait - 1));
  });
  const lastSend = nowMs();
  sendingDone = true;
  finish();
  await Promise.race([answered, sleep(a.drainMs)]);
  for (const ag of agents) ag.destroy();
  return {
    sent,
    answered: latency.length,
    accepted,
    errors,
    timedOut: outstanding,
    statuses,
    latency: Float64Array.from(latency),
    service: Float64Array.from(service),
    lag: Float64Array.from(lag),
    sendSpanMs: lastSend - a.startAt,
    answerSpanMs: (lastAnswer || lastSend) - a.startAt,
  };
}
