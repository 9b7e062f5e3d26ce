import type { HopStatus } from '@newton/protocol';
import { type DoctorReport, runDoctor } from '../../diagnostics/doctor-client.js';
import { parse, str, tenantId, UsageError } from '../args.js';
import type { CliContext } from '../context.js';
import { DOCTOR } from '../help/commands.js';

const MARK: Record<HopStatus, string> = { pass: '✔', fail: '✘', warn: '!', skip: '-' };

/**
 * `newton doctor <tenant_id>`: checks every hop from the provider to the
 * socket on a running deployment and says which one fails and what to do.
 * Exit 0 unless a hop fails (warnings and skips do not fail).
 */
export async function doctor(argv: string[], ctx: CliContext): Promise<number> {
  const { values, positionals } = parse(argv, DOCTOR);
  const tenant = tenantId(positionals[0]);
  const timeoutMs = Number(str(values, 'timeout') ?? '5000');
  if (!Number.isInteger(timeoutMs) || timeoutMs < 100 || timeoutMs > 120_000)
    throw new UsageError('--timeout must be 100 to 120000 (ms)');
  const report = await runDoctor({
    url: ctx.serverUrl(str(values, 'url')),
    tenantId: tenant,
    token: await adminToken(ctx, tenant, str(values, 'token')),
    instance: str(values, 'instance'),
    probe: !values['no-probe'],
    timeoutMs,
  });
  if (values.json) ctx.out(JSON.stringify(report, null, 2));
  else print(report, ctx.out);
  return report.ok ? 0 : 1;
}

/**
 * `--token`, or one the command mints with the deployment's JWT secret
 * (JWT_SECRET or DATA_DIR/jwt-secret), for `userId` (`newton doctor`, `newton backfill`).
 */
export async function adminToken(
  ctx: CliContext,
  tenant: string,
  given: string | undefined,
  userId = 'newton-doctor',
): Promise<{ ok: true; value: string } | { ok: false; reason: string }> {
  if (given) return { ok: true, value: given };
  try {
    const tokens = ctx.tokens();
    if (!tokens.canIssue) return { ok: false, reason: 'this deployment verifies tokens with JWKS_URL only' };
    const value = await tokens.issue({
      tenants: [tenant],
      role: 'admin',
      userId,
      ttlSeconds: 300,
    });
    return { ok: true, value };
  } catch (err) {
    return { ok: false, reason: `cannot mint an admin token: ${(err as Error).message}` };
  }
}

function print(report: DoctorReport, out: (line: string) => void): void {
  const node = report.node ? `, answered by node ${report.node}` : '';
  out(`newton doctor ${report.tenant_id} — ${report.url}${node}`);
  const width = Math.max(...report.hops.map((h) => h.id.length));
  for (const h of report.hops) {
    out(`${MARK[h.status]} ${h.id.padEnd(width)}  ${h.title}: ${h.detail}`);
    const pad = ' '.repeat(width + 4);
    if (h.status === 'fail' || h.status === 'warn') {
      if (Object.keys(h.evidence).length > 0) out(`${pad}evidence: ${JSON.stringify(h.evidence)}`);
      const [first, ...more] = (h.hint ?? '').split('\n');
      if (first) out(`${pad}fix: ${first}`);
      for (const line of more) out(`${pad}     ${line}`);
    }
  }
  for (const s of report.sockets ?? []) {
    const subs = Object.entries(s.channels)
      .map(([c, n]) => `${c}=${n}`)
      .join(' ');
    out(
      `  sockets on ${s.node}: ${s.count} (users: ${s.users.join(', ') || '-'}; ${subs}; last frame ${s.last_frame_at ?? '-'})`,
    );
  }
  for (const u of (report.unroutable ?? []).slice(0, 5)) {
    out(
      `  ${u.outcome} ${u.received_at} instance=${u.instance_name ?? '-'} tenant=${u.tenant_id ?? '-'}: ${u.reason ?? ''} (trace ${u.trace_id})`,
    );
  }
  for (const u of report.upstream ?? []) {
    const webhook = u.webhook
      ? u.webhook.ok
        ? 'webhook ok'
        : `webhook: ${u.webhook.problems.map((p) => p.code).join(', ')}`
      : (u.webhook_note ?? '');
    out(
      `  upstream ${u.instance}: ${u.state}${u.reason ? ` (${u.reason})` : ''} since ${u.since}; ${webhook}; last webhook ${u.last_webhook_at ?? '-'}; recovered ${u.recovered}`,
    );
  }
  const failing = report.hops.find((h) => !h.ok);
  const passed = report.hops.filter((h) => h.status === 'pass').length;
  const warned = report.hops.filter((h) => h.status === 'warn').map((h) => h.id);
  out(
    failing
      ? `FAIL: the "${failing.id}" hop fails — ${failing.detail}`
      : warned.length === 0
        ? `OK: all ${passed} hops pass`
        : `OK: ${passed} hops pass, ${warned.length} worth a look (${warned.join(', ')})`,
  );
}
