/**
 * Start-up failures in words (#14): a port in use, a PostgreSQL database that
 * does not exist or cannot be reached, a DATA_DIR that cannot be written, a
 * bad configuration — each one line saying what and how to fix it, with a
 * stable code from the error table; the stack only with LOG_LEVEL=debug.
 * A Redis that cannot be reached at start is no failure: the node runs
 * degraded and retries (docs/architecture.md), and `newton start` says so.
 */
import type { Config } from '../config.js';
import { type ErrorName, ErrorTable } from '../core/errors.js';

export interface StartupFailure {
  name: ErrorName;
  /** One line: what is wrong and how to fix it. */
  line: string;
}

type Sys = Error & {
  code?: string;
  syscall?: string;
  port?: number;
  address?: string;
  hostname?: string;
  errors?: unknown[];
};

/** The error, its causes and the errors it aggregates. */
function chain(e: unknown): Sys[] {
  const seen: Sys[] = [];
  const queue = [e];
  while (queue.length > 0 && seen.length < 20) {
    const next = queue.shift();
    if (!(next instanceof Error) || seen.includes(next)) continue;
    const s = next as Sys;
    seen.push(s);
    if (s.cause) queue.push(s.cause);
    if (Array.isArray(s.errors)) queue.push(...s.errors);
  }
  return seen;
}

/** DATABASE_URL without its password: host, port, database, user. */
export function databaseTarget(url: string): { host: string; port: number; database: string; user: string } {
  const u = new URL(url);
  const host = u.hostname.replace(/^\[|\]$/g, '') || 'localhost';
  return {
    host,
    port: Number(u.port || 5432),
    database:
      decodeURIComponent(u.pathname.replace(/^\//, '')) || decodeURIComponent(u.username) || 'postgres',
    user: decodeURIComponent(u.username),
  };
}

const REASONS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host name lookup failed',
  ETIMEDOUT: 'timed out',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ECONNRESET: 'connection reset',
};

function databaseFailure(errors: Sys[], url: string): StartupFailure | undefined {
  let db: ReturnType<typeof databaseTarget>;
  try {
    db = databaseTarget(url);
  } catch {
    return undefined;
  }
  const at = `${db.host.includes(':') ? `[${db.host}]` : db.host}:${db.port}`;
  const pg = errors.find((e) => typeof e.code === 'string' && /^[0-9A-Z]{5}$/.test(e.code));
  if (pg?.code === '3D000') {
    const user = db.user ? ` -U ${db.user}` : '';
    return {
      name: 'NEWTON_ERR_DATABASE_MISSING',
      line: `database "${db.database}" does not exist on PostgreSQL at ${at}: create it with createdb -h ${db.host} -p ${db.port}${user} ${db.database} (or fix the name in DATABASE_URL)`,
    };
  }
  if (pg?.code === '28P01' || pg?.code === '28000') {
    return {
      name: 'NEWTON_ERR_DATABASE_LOGIN',
      line: `PostgreSQL at ${at} refused user "${db.user || '(none)'}" (${pg.message}): fix the user and password in DATABASE_URL, or let the user in (pg_hba.conf)`,
    };
  }
  const net = errors.find((e) => e.code !== undefined && REASONS[e.code] !== undefined);
  if (!net) return undefined;
  const ours =
    net.port === db.port || net.hostname === db.host || errors.some((e) => /^migration /.test(e.message));
  if (!ours) return undefined;
  return {
    name: 'NEWTON_ERR_DATABASE_UNREACHABLE',
    line: `cannot reach PostgreSQL at ${at} (${REASONS[net.code as string]}): start it, or fix the host and port in DATABASE_URL`,
  };
}

/** The known start-up failure `e` is, or undefined. */
export function startupFailure(e: unknown, config: Config | undefined): StartupFailure | undefined {
  const errors = chain(e);
  const listen = errors.find((x) => x.syscall === 'listen');
  if (listen) {
    const port = listen.port ?? config?.port;
    if (listen.code === 'EADDRINUSE') {
      return {
        name: 'NEWTON_ERR_PORT_IN_USE',
        line: `port ${port} is in use: another Newton or program listens there; stop it or set PORT`,
      };
    }
    if (listen.code === 'EACCES') {
      return {
        name: 'NEWTON_ERR_PORT_DENIED',
        line: `port ${port} needs privileges this user lacks: set PORT to 1024 or above (and put a proxy in front)`,
      };
    }
    if (listen.code === 'EADDRNOTAVAIL') {
      return {
        name: 'NEWTON_ERR_HOST_UNAVAILABLE',
        line: `HOST ${listen.address ?? config?.host} is not an address of this machine: set HOST to one of its addresses, or 0.0.0.0 for all`,
      };
    }
  }
  if (config?.databaseUrl) {
    const found = databaseFailure(errors, config.databaseUrl);
    if (found) return found;
  } else if (config) {
    const fs = errors.find(
      (x) => (x.code === 'EACCES' || x.code === 'EROFS' || x.code === 'EPERM') && x.syscall !== 'listen',
    );
    if (fs) {
      return {
        name: 'NEWTON_ERR_DATA_DIR',
        line: `cannot write DATA_DIR ${config.dataDir} (${fs.code}): make it writable by this user, or set DATA_DIR`,
      };
    }
  }
  return undefined;
}

/**
 * What `newton COMMAND` prints after its name for an unexpected failure: the
 * known start-up failures in one line, anything else its message; with
 * `debug`, the code and the stack of every cause as well.
 */
export function failureLine(e: unknown, config: Config | undefined, debug: boolean): string {
  const known = startupFailure(e, config);
  const message = known?.line ?? (e instanceof Error ? e.message : String(e));
  if (!debug) return known ? message : `${message} (LOG_LEVEL=debug prints the stack)`;
  const code = known ? ` [${ErrorTable[known.name].code}]` : '';
  const stacks = chain(e).map((x) => x.stack ?? String(x));
  return `${message}${code}\n${stacks.join('\ncaused by: ')}`;
}
