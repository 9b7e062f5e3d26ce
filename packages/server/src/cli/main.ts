import { CommandError, UsageError } from './args.js';
import type { CliContext } from './context.js';
import { type CommandName, findSpec, helpText, overview, SPECS, specOf, usageOf } from './help/index.js';
import { failureLine } from './startup-errors.js';

type Command = (argv: string[], ctx: CliContext) => Promise<number>;

/** Commands load on demand: `newton token` should not pay for the HTTP server. */
const COMMANDS: Record<CommandName, () => Promise<Command>> = {
  start: async () => (await import('./commands/start.js')).start,
  tenant: async () => (await import('./commands/tenant.js')).tenant,
  instance: async () => (await import('./commands/instance.js')).instance,
  user: async () => (await import('./commands/user.js')).user,
  token: async () => (await import('./commands/token.js')).token,
  simulate: async () => (await import('./commands/simulate.js')).simulate,
  receipts: async () => (await import('./commands/receipts.js')).receipts,
  doctor: async () => (await import('./commands/doctor.js')).doctor,
  trace: async () => (await import('./commands/trace.js')).trace,
  backfill: async () => (await import('./commands/backfill.js')).backfill,
};

function isCommand(name: string): name is CommandName {
  return Object.hasOwn(COMMANDS, name) && Object.hasOwn(SPECS, name);
}

/** `--help` or `-h` among the arguments (before a `--` that ends the options). */
function asksHelp(argv: string[]): boolean {
  for (const a of argv) {
    if (a === '--') return false;
    if (a === '--help' || a === '-h') return true;
  }
  return false;
}

/**
 * The `newton` command. Returns the exit code: 0 done, 1 the command failed,
 * 2 it was called wrong (message and usage on stderr). Help (`newton
 * --help`, `newton help COMMAND`, `newton COMMAND [SUB] --help`) goes to
 * stdout with exit 0 and loads no command.
 */
export async function main(
  argv: string[],
  io: { out?: (s: string) => void; err?: (s: string) => void; env?: NodeJS.ProcessEnv } = {},
): Promise<number> {
  const out = io.out ?? ((s: string) => process.stdout.write(`${s}\n`));
  const err = io.err ?? ((s: string) => process.stderr.write(`${s}\n`));
  const env = io.env ?? process.env;
  const [name, ...rest] = argv;
  if (name === undefined) {
    err(overview());
    return 2;
  }
  if (name === 'help' || name === '--help' || name === '-h') {
    const words = rest.filter((w) => !w.startsWith('-'));
    if (words.length === 0) {
      out(overview());
      return 0;
    }
    const spec = findSpec(words);
    if (!spec) {
      err(`newton help: no command "${words.join(' ')}"\n\n${overview()}`);
      return 2;
    }
    out(helpText(spec));
    return 0;
  }
  if (!isCommand(name)) {
    err(`newton: unknown command "${name}"\n\n${overview()}`);
    return 2;
  }
  const spec = specOf(name, rest);
  if (asksHelp(rest)) {
    out(helpText(spec));
    return 0;
  }
  let ctx: CliContext | undefined;
  try {
    const { CliContext } = await import('./context.js');
    ctx = new CliContext(env, out, err);
    const run = await COMMANDS[name]();
    return await run(rest, ctx);
  } catch (e) {
    if (e instanceof UsageError) {
      err(`newton ${spec.name}: ${e.message}\n${usageOf(spec)}`);
      return 2;
    }
    if (e instanceof CommandError) {
      err(`newton ${spec.name}: ${e.message}`);
      return 1;
    }
    // Anything else: one line saying what and how to fix; the stack only with LOG_LEVEL=debug.
    const debug = /^(debug|trace)$/i.test(ctx?.config.logLevel ?? env.LOG_LEVEL ?? '');
    err(`newton ${spec.name}: ${failureLine(e, ctx?.config, debug)}`);
    return 1;
  } finally {
    await ctx?.close().catch(() => {});
  }
}
