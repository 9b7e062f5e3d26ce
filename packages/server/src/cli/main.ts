import { CommandError, UsageError } from './args.js';
import type { CliContext } from './context.js';
import { type CommandName, USAGES } from './usage.js';

type Command = (argv: string[], ctx: CliContext) => Promise<number>;

/** Commands load on demand: `newton token` should not pay for the HTTP server. */
const COMMANDS: Record<CommandName, () => Promise<Command>> = {
  start: async () => (await import('./commands/start.js')).start,
  tenant: async () => (await import('./commands/tenant.js')).tenant,
  instance: async () => (await import('./commands/instance.js')).instance,
  token: async () => (await import('./commands/token.js')).token,
  simulate: async () => (await import('./commands/simulate.js')).simulate,
  receipts: async () => (await import('./commands/receipts.js')).receipts,
  doctor: async () => (await import('./commands/doctor.js')).doctor,
  trace: async () => (await import('./commands/trace.js')).trace,
  backfill: async () => (await import('./commands/backfill.js')).backfill,
};

const USAGE = `usage:\n${Object.values(USAGES)
  .map((u) => u.replace(/^/gm, '  '))
  .join('\n')}`;

function isCommand(name: string): name is CommandName {
  return Object.hasOwn(COMMANDS, name);
}

/**
 * The `newton` command. Returns the exit code: 0 done, 1 the command failed,
 * 2 it was called wrong (message and usage on stderr).
 */
export async function main(
  argv: string[],
  io: { out?: (s: string) => void; err?: (s: string) => void; env?: NodeJS.ProcessEnv } = {},
): Promise<number> {
  const out = io.out ?? ((s: string) => process.stdout.write(`${s}\n`));
  const err = io.err ?? ((s: string) => process.stderr.write(`${s}\n`));
  const [name, ...rest] = argv;
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    (name ? out : err)(USAGE);
    return name ? 0 : 2;
  }
  if (!isCommand(name)) {
    err(`newton: unknown command "${name}"\n${USAGE}`);
    return 2;
  }
  let ctx: CliContext | undefined;
  try {
    const { CliContext } = await import('./context.js');
    ctx = new CliContext(io.env ?? process.env, out, err);
    const run = await COMMANDS[name]();
    return await run(rest, ctx);
  } catch (e) {
    if (e instanceof UsageError) {
      err(`newton ${name}: ${e.message}\nusage:\n${USAGES[name].replace(/^/gm, '  ')}`);
      return 2;
    }
    if (e instanceof CommandError) {
      err(`newton ${name}: ${e.message}`);
      return 1;
    }
    err(`newton ${name}: ${(e as Error).stack ?? String(e)}`);
    return 1;
  } finally {
    await ctx?.close();
  }
}
