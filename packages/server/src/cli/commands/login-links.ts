import type { NewtonNode } from '../../app.js';
import { LOGIN_CODE_TTL_MS } from '../../auth/index.js';
import type { Config } from '../../config.js';
import type { CliContext } from '../context.js';

/** More tenants than this: no links (paste a token from `newton token` instead). */
const MAX_LINKS = 5;

/**
 * Where agents open the inbox: PUBLIC_URL when set (behind a proxy the
 * listening address is not what a browser reaches); else localhost for a
 * wildcard or loopback bind (one stable origin for the browser's storage),
 * else the listening address.
 */
export function inboxBase(
  node: Pick<NewtonNode, 'url' | 'port'>,
  config: Pick<Config, 'host' | 'publicUrl'>,
): string {
  if (config.publicUrl) return config.publicUrl;
  const host = config.host;
  const local = host === '0.0.0.0' || host === '::' || host === '127.0.0.1' || host === 'localhost';
  return local ? `http://localhost:${node.port}` : node.url;
}

/**
 * Prints one-time sign-in links for the inbox (docs/web.md "Signing in"):
 * no tenant yet → one link for whichever tenant is the only one when it is
 * opened; one to five tenants → one link each; more → none.
 */
export async function printLoginLinks(node: NewtonNode, ctx: CliContext): Promise<void> {
  if (!node.tokens.canIssue) return;
  const base = inboxBase(node, ctx.config);
  const minutes = Math.round(LOGIN_CODE_TTL_MS / 60_000);
  ctx.err(`  inbox:     ${base}/`);
  const tenants = await node.store.admin.listTenants();
  if (tenants.length > MAX_LINKS) {
    ctx.err('  sign in:   npx newton token TENANT_ID --role admin, then paste the token');
    return;
  }
  const targets = tenants.length === 0 ? [null] : tenants.map((t) => t.id);
  for (const tenant of targets) {
    const code = node.loginCodes.issue(tenant);
    const what = tenant ? `admin of ${tenant}` : 'admin of the only tenant, once you add one';
    ctx.err(`  sign in:   ${base}/login#code=${code}  (one use, ${minutes} min, ${what})`);
  }
}
