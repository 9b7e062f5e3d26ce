import { backfillSince } from '../../core/index.js';
import type { BackfillProgress, BackfillSummary } from '../../upstream/backfill-types.js';
import { CommandError, option, parse, str, tenantId } from '../args.js';
import type { CliContext } from '../context.js';
import { BACKFILL } from '../help/commands.js';
import { adminToken } from './doctor.js';

/**
 * `newton backfill <tenant_id>`: asks the running server to read the
 * messages Evolution holds for the tenant's instances (or `--instance`) since
 * `--since` and store those it never got; the server's sockets get them as
 * `new_message` with `recovered: true`. Prints a line per page and a
 * summary; exit 1 when the provider could not be read, the tenant or
 * instance is unknown, or another node is backfilling the tenant.
 */
export async function backfill(argv: string[], ctx: CliContext): Promise<number> {
  const { values, positionals } = parse(argv, BACKFILL);
  const tenant = tenantId(positionals[0]);
  const since = str(values, 'since');
  // Checked here for a clear usage error; the server reads it against its own clock.
  if (since !== undefined) option('since', () => backfillSince(since, Date.now()));
  const instance = str(values, 'instance');
  const base = ctx.serverUrl(str(values, 'url'));
  const token = await adminToken(ctx, tenant, str(values, 'token'), 'newton-backfill');
  if (!token.ok) throw new CommandError(`${token.reason}; pass --token JWT`);

  let res: Response;
  try {
    res = await fetch(`${base}/api/admin/backfill`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/x-ndjson',
        authorization: `Bearer ${token.value}`,
      },
      body: JSON.stringify({ tenant, ...(instance ? { instance } : {}), ...(since ? { since } : {}) }),
    });
  } catch (err) {
    throw new CommandError(`cannot reach the server at ${base} (${(err as Error).message}); is it running?`);
  }
  if (!res.ok || !res.body) {
    const text = await res.text();
    let message = text.slice(0, 500);
    try {
      const b = JSON.parse(text) as { error?: string; message?: string };
      message = `${b.message ?? ''} (${b.error ?? res.status})`;
    } catch {
      // not JSON: the text as is
    }
    throw new CommandError(`the server answered ${res.status}: ${message}`);
  }
  let summary: BackfillSummary | undefined;
  for await (const line of lines(res.body)) {
    const msg = JSON.parse(line) as { type: string } & Record<string, unknown>;
    if (msg.type === 'summary') summary = msg as unknown as BackfillSummary;
    else if (msg.type === 'error') throw new CommandError(`the server failed: ${String(msg.message)}`);
    else if (msg.type === 'started' && !values.json) {
      ctx.out(`backfill ${tenant}${instance ? ` (${instance})` : ''} since ${String(msg.since)}`);
    } else if (msg.type === 'progress' && !values.json)
      ctx.out(progressLine(msg as unknown as BackfillProgress));
  }
  if (!summary) throw new CommandError('the server ended the answer without a summary');
  if (values.json) ctx.out(JSON.stringify(summary, null, 2));
  else printSummary(summary, ctx.out);
  if (!summary.ok) {
    const e = summary.error;
    ctx.err(
      `newton backfill: ${e ? `${e.instance ? `instance ${e.instance}: ` : ''}${e.message} (${e.code})` : `${summary.errors} instance(s) failed`}`,
    );
    return 1;
  }
  return 0;
}

/** The lines of an NDJSON body, as they arrive. */
async function* lines(body: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  const decoder = new TextDecoder();
  let rest = '';
  for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
    rest += decoder.decode(chunk, { stream: true });
    let nl = rest.indexOf('\n');
    while (nl >= 0) {
      const line = rest.slice(0, nl).trim();
      rest = rest.slice(nl + 1);
      if (line) yield line;
      nl = rest.indexOf('\n');
    }
  }
  if (rest.trim()) yield rest.trim();
}

function progressLine(p: BackfillProgress): string {
  return `  ${p.instance}: page ${p.page}/${Math.max(p.of, p.page)}  seen ${p.seen}  recovered ${p.recovered}  already had ${p.already_had}  invalid ${p.invalid}  ignored ${p.ignored}`;
}

function printSummary(s: BackfillSummary, out: (line: string) => void): void {
  for (const n of s.notices) out(`  note: ${n}`);
  out(
    `${s.ok ? 'done' : 'FAILED'}: ${s.instances.join(', ') || 'no instance'} from ${s.since} to ${s.until} in ${s.duration_ms} ms — ` +
      `${s.pages} pages, ${s.seen} seen, ${s.recovered} recovered, ${s.already_had} already had, ` +
      `${s.invalid} invalid, ${s.ignored} ignored, ${s.errors} errors`,
  );
}
