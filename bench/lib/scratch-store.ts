/**
 * Scratch stores for the scenarios: a fresh SQLite data directory or
 * PostgreSQL database per run, copied from a template provisioned once per
 * dialect, and their removal at the end of a run.
 */
import { randomBytes } from 'node:crypto';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { type Provisioned, provision, type TenantSpec } from './provision.js';
import { type NewtonEnv, stopAllServers } from './server.js';

export const PG_ADMIN_URL = process.env.NEWTON_BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export function tempDir(prefix: string): { path: string; remove(): void } {
  const p = mkdtempSync(path.join(tmpdir(), `newton-bench-${prefix}-`));
  return { path: p, remove: () => rmSync(p, { recursive: true, force: true }) };
}

export interface ScratchDatabase {
  url: string;
  drop(): Promise<void>;
}

/** Runs `fn` on a client of the admin database, or of `url`. */
async function pgAdmin<T>(fn: (c: pg.Client) => Promise<T>, url = PG_ADMIN_URL): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** A fresh PostgreSQL database (CREATE DATABASE on the admin URL), dropped by `drop()`. */
export async function createPgDatabase(): Promise<ScratchDatabase> {
  const name = `newton_bench_${randomBytes(5).toString('hex')}`;
  await pgAdmin((c) => c.query(`CREATE DATABASE ${name}`));
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: () => pgAdmin(async (c) => void (await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`))),
  };
}

export type Dialect = 'sqlite' | 'postgres';

/** Tenants every scratch store has: `t000`…`t099` (instances `wa-t000`…) and `solo` (`wa-solo`). */
export interface Fixture {
  tenants: Provisioned[];
  solo: Provisioned;
}

export const FIXTURE_TENANTS = 100;

interface Template {
  fixture: Fixture;
  /** SQLite: the data directory to copy; PostgreSQL: the template database name. */
  source: string;
  dispose(): Promise<void>;
}

const templates = new Map<Dialect, Promise<Template>>();

async function makeTemplate(dialect: Dialect): Promise<Template> {
  const specs: TenantSpec[] = [
    ...Array.from({ length: FIXTURE_TENANTS }, (_, i) => {
      const tenant = `t${String(i).padStart(3, '0')}`;
      return { tenant, instance: `wa-${tenant}` };
    }),
    { tenant: 'solo', instance: 'wa-solo' },
  ];
  const dir = tempDir(`template-${dialect}`);
  if (dialect === 'sqlite') {
    const all = await provision({ dataDir: dir.path }, specs);
    return {
      fixture: { tenants: all.slice(0, FIXTURE_TENANTS), solo: all[FIXTURE_TENANTS] as Provisioned },
      source: dir.path,
      dispose: async () => dir.remove(),
    };
  }
  const db = await createPgDatabase();
  const all = await provision({ dataDir: dir.path, databaseUrl: db.url }, specs);
  dir.remove();
  return {
    fixture: { tenants: all.slice(0, FIXTURE_TENANTS), solo: all[FIXTURE_TENANTS] as Provisioned },
    source: new URL(db.url).pathname.slice(1),
    dispose: () => db.drop(),
  };
}

export interface ScratchStore {
  dialect: Dialect;
  env: NewtonEnv;
  fixture: Fixture;
  /**
   * PostgreSQL: ANALYZE, as autovacuum (on by default, off on this
   * project's machines) does within a minute of the first writes. A scenario
   * calls it after its warm-up so that it measures the steady state: on
   * tables created moments before, the planner has no statistics and may pick
   * any index of the tenant (a scan of all its rows) for the webhook path's
   * lookups. SQLite: nothing (Newton never runs ANALYZE there).
   */
  analyze(): Promise<void>;
  remove(): Promise<void>;
}

/**
 * A fresh store with the fixture's tenants, instances and tokens: provisioned
 * once per dialect and run through the `newton` command, then copied (SQLite:
 * the data directory; PostgreSQL: CREATE DATABASE … TEMPLATE).
 */
export async function scratchStore(dialect: Dialect): Promise<ScratchStore> {
  let t = templates.get(dialect);
  if (!t) {
    t = makeTemplate(dialect);
    templates.set(dialect, t);
  }
  const template = await t;
  const dir = tempDir(dialect);
  if (dialect === 'sqlite') {
    cpSync(template.source, dir.path, { recursive: true });
    return track({
      dialect,
      env: { dataDir: dir.path },
      fixture: template.fixture,
      analyze: async () => {},
      remove: async () => dir.remove(),
    });
  }
  const name = `newton_bench_${randomBytes(5).toString('hex')}`;
  await pgAdmin((c) => c.query(`CREATE DATABASE ${name} TEMPLATE ${template.source}`));
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${name}`;
  return track({
    dialect,
    env: { dataDir: dir.path, databaseUrl: url.toString() },
    fixture: template.fixture,
    analyze: () => pgAdmin(async (c) => void (await c.query('ANALYZE')), url.toString()),
    remove: async () => {
      dir.remove();
      await pgAdmin(async (c) => void (await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)));
    },
  });
}

const liveStores = new Set<ScratchStore>();

function track(s: ScratchStore): ScratchStore {
  const remove = s.remove;
  const tracked: ScratchStore = {
    ...s,
    remove: async () => {
      if (!liveStores.delete(tracked)) return;
      await remove();
    },
  };
  liveStores.add(tracked);
  return tracked;
}

/** Stops every server and removes every scratch store and template (end of run, Ctrl-C, errors). */
export async function cleanupAll(): Promise<void> {
  await stopAllServers();
  for (const s of [...liveStores]) await s.remove().catch(() => {});
  await disposeTemplates();
}

/** Drops the provisioned templates (end of the run). */
export async function disposeTemplates(): Promise<void> {
  const all = [...templates.values()];
  templates.clear();
  for (const t of all) await (await t).dispose().catch(() => {});
}
