/** Tenants, instances and tokens of a store, created through the `newton` command. */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { type NewtonEnv, newtonEnv, ROOT } from './server.js';

export interface TenantSpec {
  tenant: string;
  /** Evolution instance name routed to the tenant. */
  instance: string;
}

export interface Provisioned extends TenantSpec {
  token: string;
}

/**
 * Creates tenants and their Evolution instances and issues one token each,
 * through the `newton` command (`tenant add`, `instance add`, `token`). The
 * commands run in one child process (bench/lib/provision-worker.ts calls the
 * CLI's `main` once per command) instead of one process per command, which
 * would take minutes for hundreds of tenants.
 */
export async function provision(e: NewtonEnv, tenants: TenantSpec[]): Promise<Provisioned[]> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', path.join(ROOT, 'bench/lib/provision-worker.ts')],
    { env: newtonEnv(e), stdio: ['pipe', 'pipe', 'pipe'], cwd: ROOT },
  );
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    out += d;
  });
  child.stderr.setEncoding('utf8').on('data', (d: string) => {
    err += d;
  });
  child.stdin.end(JSON.stringify(tenants));
  const code = await new Promise<number | null>((r) => child.once('exit', r));
  if (code !== 0) throw new Error(`provisioning failed (${code}): ${err.slice(-4000)}`);
  const tokens = JSON.parse(out) as Record<string, string>;
  return tenants.map((t) => {
    const token = tokens[t.tenant];
    if (!token) throw new Error(`no token for ${t.tenant}`);
    return { ...t, token };
  });
}
