import { startNode } from '../../app.js';
import { parse } from '../args.js';
import type { CliContext } from '../context.js';
import { printLoginLinks } from './login-links.js';

/** Runs a node until SIGTERM/SIGINT, then stops it gracefully. */
export async function start(argv: string[], ctx: CliContext): Promise<number> {
  parse(argv, {}, { min: 0, max: 0, names: '' });
  const node = await startNode(ctx.config);
  ctx.err(`Newton is listening on ${node.url} (store: ${node.store.dialect} at ${node.store.location})`);
  ctx.err(
    `  webhooks:  ${node.url}/webhooks/evolution (Evolution API) · ${node.url}/webhooks/whatsapp (Cloud API)`,
  );
  const pub = node.config.publicUrl;
  ctx.err(
    pub
      ? `  public:    ${pub} (Evolution posts to ${pub}/webhooks/evolution; check: newton instance webhook <tenant> <instance>)`
      : '  public:    PUBLIC_URL not set (webhook URLs at the providers are not checked)',
  );
  ctx.err(`  sockets:   ${node.url.replace(/^http/, 'ws')}/ws/conversations/<tenant_id>?token=<JWT>`);
  ctx.err(`  API docs:  ${node.url}/docs`);
  await printLoginLinks(node, ctx);
  ctx.err('  next: npx newton tenant add <id> · npx newton token <id>');
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      node.logger.info({ signal }, 'shutting down');
      resolve();
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
  await node.close();
  return 0;
}
