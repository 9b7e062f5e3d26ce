/**
 * Child process of `provision()` (bench/lib/provision.ts): reads
 * `[{tenant, instance}]` on stdin, runs `newton tenant add`, `newton instance
 * add` and `newton token` for each through the CLI's `main` (same code and
 * environment as `npx newton …`), and prints `{tenant: token}` on stdout.
 */
import { main } from '@newton/server/cli';

interface Spec {
  tenant: string;
  instance: string;
}

async function run(argv: string[]): Promise<string> {
  const out: string[] = [];
  const errs: string[] = [];
  const code = await main(argv, { out: (s) => out.push(s), err: (s) => errs.push(s) });
  if (code !== 0) throw new Error(`newton ${argv.join(' ')} exited ${code}: ${errs.join('\n')}`);
  return out.join('\n').trim();
}

async function one(s: Spec): Promise<[string, string]> {
  await run(['tenant', 'add', s.tenant, '--name', `Bench ${s.tenant}`]);
  await run(['instance', 'add', s.tenant, '--provider', 'evolution', '--instance', s.instance]);
  const token = await run(['token', s.tenant, '--user', `bench-${s.tenant}`, '--ttl', '6h']);
  return [s.tenant, token];
}

let input = '';
for await (const chunk of process.stdin) input += chunk;
const specs = JSON.parse(input) as Spec[];
// SQLite: one command at a time. The commands share this process, and better-sqlite3
// waits for a lock synchronously (busy_timeout): a second connection waiting would
// block the event loop that the first one needs to finish its transaction.
// PostgreSQL: a few commands at once.
const parallel = process.env.DATABASE_URL ? 16 : 1;
const tokens: Record<string, string> = {};
// The first command alone: it applies the migrations (concurrent first opens would race).
let next = 0;
if (specs[0]) {
  const [tenant, token] = await one(specs[0]);
  tokens[tenant] = token;
  next = 1;
}
await Promise.all(
  Array.from({ length: parallel }, async () => {
    while (next < specs.length) {
      const s = specs[next++] as Spec;
      const [tenant, token] = await one(s);
      tokens[tenant] = token;
    }
  }),
);
process.stdout.write(JSON.stringify(tokens));
