import { startNode } from '../../app.js';
import { parse } from '../args.js';
import type { CliContext } from '../context.js';
import { printLoginLinks } from './login-links.js';

/** Runs a node until SIGTERM/SIGINT, then stops it gracefully. */
export async function start(argv: string[], ctx: CliContext): Promise<number> {
  parse(argv, {}, { min: 0, max: 0, names: '' });
  const node = await startNode(ctx.config);
  ctx.err(`Newton is listening on ${node.url} (store: ${node.store.dialect} at ${node.store.location})`);
  const pub = node.config.publicUrl;
  // Every URL below is the one clients use: PUBLIC_URL when set, else the listening address.
  const base = pub ?? node.url;
  ctx.err(
    pub
      ? `  public:    ${pub} (PUBLIC_URL; check Evolution's webhook: newton instance webhook <tenant> <instance>)`
      : '  public:    PUBLIC_URL not set (webhook URLs at the providers are not checked)',
  );
  ctx.err(`  webhooks:  ${base}/webhooks/evolution (Evolution API) · ${base}/webhooks/whatsapp (Cloud API)`);
  ctx.err(`  sockets:   ${base.replace(/^http/, 'ws')}/ws/conversations/<tenant_id>?token=<JWT>`);
  ctx.err(`  API docs:  ${base}/docs`);
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
