/**
 * The ingest floor as a process of its own (bench/competitors/floor-server.ts):
 * its scratch database (a temp SQLite directory, or a fresh PostgreSQL
 * database) made before and removed after, like Newton's scratch stores.
 */
import path from 'node:path';
import { type LoadResult, WorkerPool } from './clients.js';
import { createPgDatabase, type Dialect, tempDir } from './scratch-store.js';
import { ROOT, type ServerProcess, spawnServer } from './server.js';
import { nowMs, round, type Summary, sleep, summarize } from './stats.js';

export interface FloorProcess {
  server: ServerProcess;
  /** Stops the server, then removes its database. */
  stop(): Promise<void>;
}

/** Starts the floor on `dialect`'s durable insert, named `name`. */
export async function startFloor(name: string, dialect: Dialect, echo = false): Promise<FloorProcess> {
  const dir = tempDir('floor');
  const db = dialect === 'postgres' ? await createPgDatabase() : undefined;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PORT: '0',
    HOST: '127.0.0.1',
    FLOOR_DB: dialect,
    DATA_DIR: dir.path,
  };
  if (db) env.DATABASE_URL = db.url;
  else delete env.DATABASE_URL;
  const cleanup = async () => {
    await db?.drop();
    dir.remove();
  };
  try {
    const server = await spawnServer({
      name,
      argv: [process.execPath, '--import', 'tsx', path.join(ROOT, 'bench/competitors/floor-server.ts')],
      env,
      echo,
    });
    return {
      server,
      stop: async () => {
        await server.stop();
        await cleanup();
      },
    };
  } catch (err) {
    await cleanup();
    throw err;
  }
}

export interface FloorOpenLoop {
  rate: number;
  seconds: number;
  accepted: number;
  sent: number;
  /** HTTP latency from the moment each webhook was due (as scenario a and d count it). */
  http: Summary;
  cpuMsPerWebhook: number;
}

/**
 * The floor's HTTP latency at an offered rate (open loop, the sender of
 * scenarios a and d): what the same webhooks cost at the least a durable
 * receiver must do, in the same run as Newton's figure.
 */
export async function floorOpenLoop(
  name: string,
  dialect: Dialect,
  a: { rate: number; seconds: number; instances: string[]; warmSeconds: number },
  echo = false,
): Promise<FloorOpenLoop> {
  const floor = await startFloor(name, dialect, echo);
  const senders = await WorkerPool.start(1, `${name}-send`);
  try {
    const sender = senders.workers[0];
    if (!sender) throw new Error('no sender');
    const args = (total: number, prefix: string) => ({
      targets: [floor.server.url],
      instances: a.instances,
      phonesPerTenant: 10,
      rate: a.rate,
      total,
      shard: 0,
      shards: 1,
      startAt: nowMs() + 200,
      connections: 16,
      idPrefix: prefix,
      drainMs: 30_000,
    });
    await sender.call('load', args(Math.round(a.rate * a.warmSeconds), `${name}-warm`));
    await sleep(300);
    const cpu0 = floor.server.cpuSeconds();
    const r = await sender.call<LoadResult>('load', args(Math.round(a.rate * a.seconds), `${name}-run`));
    const cpu = floor.server.cpuSeconds() - cpu0;
    return {
      rate: a.rate,
      seconds: a.seconds,
      sent: r.sent,
      accepted: r.accepted,
      http: summarize(r.latency),
      cpuMsPerWebhook: round((cpu * 1000) / Math.max(1, r.accepted), 3),
    };
  } finally {
    await senders.stop();
    await floor.stop();
  }
}
