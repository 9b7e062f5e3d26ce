import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import type { Config } from '../../config.js';
import { traceMessage } from '../../diagnostics/trace.js';
import { CommandError, parse } from '../args.js';
import type { CliContext } from '../context.js';
import { TRACE } from '../help/commands.js';
import { logFilePath } from '../log-file.js';

/**
 * `newton trace <message id | provider message id | trace id> [--log <file>]…`:
 * one message's journey. The database gives the receipt, the message and its
 * events; pino JSON logs (from `--log`, or every `*.log` in DATA_DIR/logs)
 * give each node's hops: received → routed → stored → published → delivered.
 */
export async function trace(argv: string[], ctx: CliContext): Promise<number> {
  const { values, positionals } = parse(argv, TRACE);
  const query = String(positionals[0]);
  const given = (values.log as string[] | undefined) ?? [];
  const files = given.length > 0 ? given : defaultLogs(ctx.config);
  const store = await ctx.openStore();
  const result = await traceMessage(store, query, files);
  if (values.json) {
    ctx.out(JSON.stringify(result, null, 2));
  } else {
    if (!result.found)
      throw new CommandError(`nothing known about "${query}" (no message, receipt or log line)`);
    const m = result.message;
    ctx.out(
      m
        ? `message ${m.id} (${m.provider} ${m.provider_message_id}; tenant ${m.tenant_id}; instance ${m.instance}; ${m.direction} ${m.type}, ${m.status}${m.probe ? '; probe' : ''})`
        : `no stored message for "${query}"`,
    );
    ctx.out(`trace ${result.trace_ids.join(', ') || '-'}`);
    const width = Math.max(8, ...result.steps.map((s) => s.source.length));
    for (const s of result.steps) {
      ctx.out(`${s.ok ? '✔' : '✘'} ${s.hop.padEnd(10)} ${s.at}  ${s.source.padEnd(width)}  ${s.detail}`);
    }
    if (result.logs.files.length === 0) {
      ctx.out(
        `(no logs read: none in ${path.join(ctx.config.dataDir, 'logs')}; pass --log FILE for each node to see publish and socket delivery)`,
      );
    } else {
      ctx.out(`(${result.logs.lines} log line(s) from ${result.logs.files.length} file(s))`);
    }
    for (const u of result.logs.unreadable) ctx.err(`cannot read ${u}`);
  }
  return result.found ? 0 : 1;
}

/**
 * Every `*.log` and `*.log.1` in DATA_DIR/logs (where `newton start` writes
 * newton.log, and where other nodes' logs may be copied), and LOG_FILE with
 * its `.1` when it lives elsewhere.
 */
export function defaultLogs(config: Pick<Config, 'dataDir' | 'logFile'>): string[] {
  const files = new Set<string>();
  const dir = path.join(config.dataDir, 'logs');
  if (existsSync(dir)) {
    for (const f of readdirSync(dir).sort()) if (/\.log(\.1)?$/.test(f)) files.add(path.join(dir, f));
  }
  const own = logFilePath(config);
  if (own) for (const f of [`${own}.1`, own]) if (existsSync(f)) files.add(f);
  return [...files];
}
