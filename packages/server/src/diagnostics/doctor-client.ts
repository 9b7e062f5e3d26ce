import type { DiagnosticsReport, Hop, ProbeResult } from '@newton/protocol';
import { WebSocket } from 'ws';
import { hop } from './report.js';

export interface DoctorOptions {
  /** Base URL of the server, `http://host:port`. */
  url: string;
  tenantId: string;
  /** An admin token for the tenant, or why there is none. */
  token: { ok: true; value: string } | { ok: false; reason: string };
  /** Probe through this instance (default: the tenant's first Evolution instance). */
  instance?: string | undefined;
  /** Skip the end-to-end probe. */
  probe: boolean;
  /** Per step. @default 5000 */
  timeoutMs: number;
}

/** The report as doctor shows it: the server's hops between its own server/auth hops and the probe. */
export interface DoctorReport extends Partial<Omit<DiagnosticsReport, 'tenant_id' | 'ok' | 'hops'>> {
  tenant_id: string;
  ok: boolean;
  url: string;
  hops: Hop[];
  probe_result?: ProbeResult & { socket_ms: number | null; total_ms: number | null };
}

async function fetchJson(
  url: string,
  init: RequestInit & { timeoutMs: number },
): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(url, { ...init, signal: AbortSignal.timeout(init.timeoutMs) });
  const text = await res.text();
  let body: Record<string, unknown> = {};
  try {
    body = text ? (JSON.parse(text) as Record<string, unknown>) : {};
  } catch {
    body = { text: text.slice(0, 200) };
  }
  return { status: res.status, body };
}

function done(report: DoctorReport): DoctorReport {
  report.ok = report.hops.every((h) => h.ok);
  return report;
}

/**
 * Runs `newton doctor` against a running deployment: reachability, then the
 * server's diagnostics (`GET /api/admin/diagnostics`), then the probe (a
 * socket of its own on the `diagnostics` channel, `POST
 * /api/admin/diagnostics/probe`, time to the probe's `new_message`).
 */
export async function runDoctor(o: DoctorOptions): Promise<DoctorReport> {
  const report: DoctorReport = { tenant_id: o.tenantId, ok: false, url: o.url, hops: [] };
  const t = o.timeoutMs;

  let health: { status: number; body: Record<string, unknown> };
  try {
    health = await fetchJson(`${o.url}/healthz`, { timeoutMs: t });
  } catch (err) {
    const c = (err as { cause?: { code?: string; message?: string } }).cause;
    const cause = c?.code ?? c?.message ?? (err as Error).message;
    report.hops.push(
      hop(
        'server',
        'Server reachable',
        'fail',
        `cannot reach the server at ${o.url} (${cause})`,
        { url: o.url, error: cause },
        'start it (npx newton start) or point doctor at it with --url or NEWTON_URL; check HOST/PORT and any proxy in between',
      ),
    );
    return done(report);
  }
  const ready = await fetchJson(`${o.url}/readyz`, { timeoutMs: t }).catch(() => undefined);
  report.hops.push(
    hop(
      'server',
      'Server reachable',
      health.status === 200 ? 'pass' : 'fail',
      `${o.url} answers (node ${String(health.body.node ?? '?')}, ${String(ready?.body.status ?? 'readiness unknown')})`,
      {
        url: o.url,
        node: health.body.node,
        healthz: health.status,
        readyz: ready?.status,
        checks: ready?.body.checks,
      },
      health.status === 200 ? null : `GET /healthz answered ${health.status}: is this a Newton server?`,
    ),
  );
  if (health.status !== 200) return done(report);

  if (!o.token.ok) {
    report.hops.push(
      hop(
        'auth',
        'Admin token',
        'fail',
        o.token.reason,
        {},
        'pass an admin token of the tenant with --token',
      ),
    );
    return done(report);
  }
  const token = o.token.value;
  const q = encodeURIComponent(o.tenantId);
  const diag = await fetchJson(`${o.url}/api/admin/diagnostics?tenant=${q}`, {
    headers: { authorization: `Bearer ${token}` },
    timeoutMs: t + 3000,
  });
  if (diag.status !== 200) {
    const refused = diag.status === 401 || diag.status === 403;
    report.hops.push(
      hop(
        'auth',
        'Admin token',
        'fail',
        `the server answered ${diag.status} to the diagnostics request: ${String(diag.body.message ?? diag.body.error ?? '')}`,
        { status: diag.status, error: diag.body.error },
        refused
          ? "doctor signs its token with JWT_SECRET (or DATA_DIR/jwt-secret): run it with the server's JWT_SECRET / DATA_DIR, or pass --token JWT (an admin token of the tenant)"
          : 'the tenant is not in the token given with --token',
      ),
    );
    return done(report);
  }
  const server = diag.body as unknown as DiagnosticsReport;
  const { hops, ok: _ok, tenant_id: _t, ...rest } = server;
  Object.assign(report, rest);
  report.hops.push(...hops);

  const runnable = hops.find((h) => h.id === 'tenant')?.ok && (server.instances?.length ?? 0) > 0;
  if (!o.probe) {
    report.hops.push(hop('probe', 'End-to-end probe', 'skip', 'skipped (--no-probe)'));
  } else if (!runnable) {
    report.hops.push(hop('probe', 'End-to-end probe', 'skip', 'no instance to probe through'));
  } else {
    report.hops.push(await probeHop(o, token, report));
  }
  return done(report);
}

async function probeHop(o: DoctorOptions, token: string, report: DoctorReport): Promise<Hop> {
  const title = 'End-to-end probe';
  const wsUrl = `${o.url.replace(/^http/, 'ws')}/ws/conversations/${encodeURIComponent(o.tenantId)}?token=${encodeURIComponent(token)}`;
  const ws = new WebSocket(wsUrl);
  const frames: { at: number; frame: Record<string, unknown> }[] = [];
  let wake: () => void = () => {};
  ws.on('message', (data) => {
    try {
      frames.push({ at: performance.now(), frame: JSON.parse(data.toString()) as Record<string, unknown> });
    } catch {
      return;
    }
    wake();
  });
  ws.on('error', () => {});
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.on('close', (code, reason) => {
      resolve({ code, reason: reason.toString() });
      wake();
    }),
  );
  const waitFrame = async (match: (f: Record<string, unknown>) => boolean, timeoutMs: number) => {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const hit = frames.find((f) => match(f.frame));
      if (hit) return hit;
      if (ws.readyState === WebSocket.CLOSED || performance.now() >= deadline) return undefined;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, deadline - performance.now());
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  };
  try {
    const established = await waitFrame((f) => f.type === 'connection_established', o.timeoutMs);
    if (!established) {
      const close = ws.readyState === WebSocket.CLOSED ? await closed : undefined;
      return hop(
        'probe',
        title,
        'fail',
        close
          ? `the socket was closed with ${close.code} ${close.reason}`
          : `no connection_established within ${o.timeoutMs} ms`,
        { close },
        'the gateway refused or ignored a fresh admin socket: check the server log for "socket refused" and the token secret',
      );
    }
    // The probe's events go only to sockets on the opt-in `diagnostics` channel.
    ws.send(JSON.stringify({ type: 'subscribe', channels: ['diagnostics'] }));
    const subscribed = await waitFrame(
      (f) =>
        f.type === 'subscribed' && (f.channels as string[] | undefined)?.includes('diagnostics') === true,
      o.timeoutMs,
    );
    if (!subscribed) {
      return hop(
        'probe',
        title,
        'fail',
        `the socket did not confirm {"type":"subscribe","channels":["diagnostics"]} within ${o.timeoutMs} ms`,
        { frames: frames.map((f) => f.frame.type) },
        'this server predates the diagnostics channel, or the socket broke: upgrade the server / check its log',
      );
    }
    const started = performance.now();
    const posted = await fetchJson(
      `${o.url}/api/admin/diagnostics/probe?tenant=${encodeURIComponent(o.tenantId)}${o.instance ? `&instance=${encodeURIComponent(o.instance)}` : ''}`,
      { method: 'POST', headers: { authorization: `Bearer ${token}` }, timeoutMs: o.timeoutMs + 10_000 },
    );
    const result = posted.body as unknown as ProbeResult;
    if (posted.status !== 200 || !result.ok) {
      report.probe_result = { ...result, socket_ms: null, total_ms: null };
      const reason = String(result.reason ?? posted.body.message ?? `HTTP ${posted.status}`);
      return hop(
        'probe',
        title,
        'fail',
        `the probe webhook was not stored: ${result.outcome ?? posted.status} — ${reason}`,
        { ...posted.body },
        result.outcome === 'rejected'
          ? "the instance's own credentials were refused: see the webhooks hop"
          : result.outcome === 'unroutable'
            ? 'the instance does not route: see the instances and unroutable hops'
            : 'the webhook path failed: the server log of this trace id says why (newton trace)',
      );
    }
    const arrived = await waitFrame((f) => {
      if (f.type !== 'probe_event') return false;
      const event = f.event as { type?: string; message?: { id?: string } } | undefined;
      return event?.type === 'new_message' && event.message?.id === result.message_id;
    }, o.timeoutMs);
    if (!arrived) {
      report.probe_result = { ...result, socket_ms: null, total_ms: null };
      return hop(
        'probe',
        title,
        'fail',
        `the probe was stored but its new_message did not reach a fresh socket on the diagnostics channel within ${o.timeoutMs} ms`,
        { ...result },
        `the publish→socket path is broken: check the bus hop, newton_events_published_total on /metrics, and newton trace ${result.message_id}`,
      );
    }
    const totalMs = Math.round((arrived.at - started) * 100) / 100;
    report.probe_result = { ...result, socket_ms: totalMs, total_ms: totalMs };
    return hop(
      'probe',
      title,
      'pass',
      `webhook → new_message on a fresh socket in ${totalMs} ms (webhook answered in ${result.webhook_ms} ms; instance ${result.instance}; stored by ${String(arrived.frame.node_id)}, delivered by ${String(established.frame.node_id)})`,
      { ...result, socket_ms: totalMs, socket_node: established.frame.node_id },
    );
  } finally {
    ws.terminate();
  }
}
