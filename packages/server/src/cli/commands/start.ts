import { startNode } from '../../app.js';
import { createLogger } from '../../core/index.js';
import { parse } from '../args.js';
import type { CliContext } from '../context.js';
import { START } from '../help/commands.js';
import { type LogFile, logFilePath, openLogFile } from '../log-file.js';
import { printLoginLinks } from './login-links.js';

/**
 * Runs a node until SIGTERM/SIGINT, then stops it gracefully. Logs go to
 * stdout and to LOG_FILE (default DATA_DIR/logs/newton.log) for `newton trace`.
 */
export async function start(argv: string[], ctx: CliContext): Promise<number> {
  parse(argv, START);
  const config = ctx.config;
  const file = config.logLevel === 'silent' ? null : logFilePath(config);
  let logFile: LogFile | undefined;
  try {
    logFile = file ? openLogFile(file, config.logLevel) : undefined;
  } catch (err) {
    ctx.err(`warning: cannot write the log file ${file} (${(err as Error).message}): logs go to stdout only`);
  }
  try {
    return await run(ctx, logFile);
  } finally {
    logFile?.close();
  }
}

async function run(ctx: CliContext, logFile: LogFile | undefined): Promise<number> {
  const logger = createLogger(ctx.config.logLevel, ctx.config.nodeId, logFile?.destination);
  const node = await startNode(ctx.config, logger);
  // Listening before the banner says so: a SIGTERM sent as soon as the banner is read must stop
  // the node gracefully, not meet the default action of a process without a handler (exit by signal).
  const stopped = new Promise<string>((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'));
    process.once('SIGINT', () => resolve('SIGINT'));
  });
  ctx.err(`Newton is listening on ${node.url} (store: ${node.store.dialect} at ${node.store.location})`);
  const pub = node.config.publicUrl;
  // Every URL below is the one clients use: PUBLIC_URL when set, else the listening address.
  const base = pub ?? node.url;
  ctx.err(
    pub
      ? `  public:    ${pub} (PUBLIC_URL; check Evolution's webhook: newton instance webhook TENANT_ID INSTANCE)`
      : '  public:    PUBLIC_URL not set (webhook URLs at the providers are not checked)',
  );
  ctx.err(`  webhooks:  ${base}/webhooks/evolution (Evolution API) · ${base}/webhooks/whatsapp (Cloud API)`);
  if (node.bus.kind === 'redis') {
    const up = await node.bus.roundTrip(3000).then(
      () => true,
      () => false,
    );
    if (!up) {
      ctx.err(
        `  bus:       warning: Redis at ${redisTarget(ctx.config.redisUrl)} cannot be reached: running degraded (webhooks are stored; other nodes' sockets catch up when it returns); retrying`,
      );
    }
  }
  ctx.err(`  sockets:   ${base.replace(/^http/, 'ws')}/ws/conversations/TENANT_ID?token=JWT`);
  ctx.err(`  API docs:  ${base}/docs`);
  if (logFile) ctx.err(`  logs:      stdout and ${logFile.file} (newton trace reads them)`);
  await printLoginLinks(node, ctx);
  ctx.err('  next: npx newton tenant add TENANT_ID · npx newton token TENANT_ID · npx newton --help');
  node.logger.info({ signal: await stopped }, 'shutting down');
  await node.close();
  return 0;
}

/** host:port of REDIS_URL, never its password. */
function redisTarget(url: string | undefined): string {
  try {
    const u = new URL(url ?? '');
    return `${u.hostname}:${u.port || 6379}`;
  } catch {
    return 'REDIS_URL';
  }
}
