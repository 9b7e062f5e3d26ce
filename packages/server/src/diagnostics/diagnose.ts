import type { DiagnosticsReport, Hop, InstanceView, SocketView, UnroutableView } from '@newton/protocol';
import type { Instance, UpstreamProbe } from '../core/index.js';
import { senderDigits } from '../providers/index.js';
import type { Store } from '../store/index.js';
import type { CensusResult } from './census.js';
import { busHop, GOOD, socketsHop, unroutableHop, webhooksHop, webhookViews } from './hops.js';
import { hop, iso } from './report.js';
import { upstreamHop } from './upstream-hop.js';

export interface DiagnoseDeps {
  store: Store;
  nodeId: string;
  busKind: string;
  /** Asks every node for the tenant's sockets over the bus (the bus hop's round trip). */
  census: (tenantId: string) => Promise<CensusResult>;
  /** Asks the providers about each instance (session, webhook settings); without it the upstream hop says so. */
  upstream?: UpstreamProbe | undefined;
}

const guarded = (i: Instance) =>
  Boolean(i.apikey || i.webhookSecret || (i as { appSecret?: string | null }).appSecret);

/**
 * Checks every server-side hop of one tenant, in the order a message travels:
 * tenant → instances → upstream → webhooks → unroutable → bus → sockets. The end-to-end
 * probe is run by the caller (`newton doctor`, the Diagnostics page).
 */
export async function diagnose(
  deps: DiagnoseDeps,
  tenantId: string,
  windowMs = 24 * 3600_000,
): Promise<DiagnosticsReport> {
  const now = Date.now();
  const since = now - windowMs;
  const hours = Math.round(windowMs / 360_000) / 10;
  const report: DiagnosticsReport = {
    tenant_id: tenantId,
    ok: false,
    checked_at: new Date().toISOString(),
    node: deps.nodeId,
    hops: [],
    instances: [],
    upstream: [],
    webhooks: [],
    unroutable: [],
    bus: { kind: deps.busKind, ok: false, round_trip_ms: null, error: null, nodes: [] },
    sockets: [],
  };
  const { store } = deps;
  const tenant = await store.admin.getTenant(tenantId);
  if (!tenant) {
    report.hops.push(
      hop(
        'tenant',
        'Tenant exists',
        'fail',
        `tenant ${tenantId} does not exist`,
        {},
        `create it: newton tenant add ${tenantId}`,
      ),
    );
    for (const [id, title] of SKIPPED) report.hops.push(hop(id, title, 'skip', 'tenant missing'));
    return finish(report);
  }
  report.hops.push(
    hop('tenant', 'Tenant exists', 'pass', `tenant ${tenantId} exists, last seq ${tenant.lastSeq}`, {
      name: tenant.name,
      last_seq: tenant.lastSeq,
    }),
  );

  const instances = await store.admin.listInstances(tenantId);
  report.instances = instances.map(
    (i): InstanceView => ({
      provider: i.provider,
      name: i.name,
      number: i.number ? `+${i.number}` : null,
      apikey_set: Boolean(i.apikey),
      webhook_secret_set: Boolean(i.webhookSecret),
    }),
  );
  report.hops.push(await instancesHop(store, tenantId, instances, since, hours));

  const outcomes = await store.receipts.outcomesByInstance(tenantId, since);
  const upstream = await upstreamHop({
    store,
    upstream: deps.upstream,
    tenantId,
    instances,
    outcomes,
    since,
    hours,
    now,
  });
  report.upstream = upstream.views;
  report.hops.push(upstream.hop);
  report.webhooks = webhookViews(outcomes);
  const lastGood = Math.max(0, ...outcomes.filter((o) => GOOD.has(o.outcome)).map((o) => o.lastAt));
  report.hops.push(await webhooksHop(store, tenantId, instances, outcomes, since, hours));

  const numbers = instances.map((i) => i.number).filter((n): n is string => Boolean(n));
  const suspects = await store.receipts.suspects({
    tenantId,
    instanceNames: instances.map((i) => i.name),
    numbers,
    since,
    limit: 50,
  });
  report.unroutable = suspects.map(
    (r): UnroutableView => ({
      received_at: new Date(r.receivedAt).toISOString(),
      provider: r.provider,
      instance_name: r.instanceName,
      outcome: r.outcome,
      reason: r.reason,
      trace_id: r.traceId,
      tenant_id: r.tenantId,
    }),
  );
  report.hops.push(unroutableHop(suspects, lastGood, instances, hours));

  const census = await deps.census(tenantId);
  report.bus = {
    kind: deps.busKind,
    ok: census.ok,
    round_trip_ms: census.roundTripMs,
    error: census.error,
    nodes: census.nodes.map((n) => n.node),
  };
  report.hops.push(busHop(deps.busKind, census));
  report.sockets = census.nodes.map(
    (n): SocketView => ({
      node: n.node,
      count: n.count,
      users: n.users,
      channels: n.channels,
      last_frame_at: iso(n.lastFrameAt),
    }),
  );
  report.hops.push(socketsHop(tenantId, report.sockets, census.ok));
  return finish(report);
}

const SKIPPED: [string, string][] = [
  ['instances', 'Instances and numbers'],
  ['upstream', 'Provider connection and webhook'],
  ['webhooks', 'Webhooks arriving'],
  ['unroutable', 'Webhooks routed elsewhere'],
  ['bus', 'Bus round trip'],
  ['sockets', 'Sockets connected'],
];

function finish(report: DiagnosticsReport): DiagnosticsReport {
  report.ok = report.hops.every((h) => h.ok);
  return report;
}

async function instancesHop(
  store: Store,
  tenantId: string,
  instances: Instance[],
  since: number,
  hours: number,
): Promise<Hop> {
  const title = 'Instances and numbers';
  if (instances.length === 0) {
    return hop(
      'instances',
      title,
      'fail',
      `tenant ${tenantId} has no WhatsApp instance: no webhook can be routed to it`,
      {},
      `add one under the name Evolution uses: newton instance add ${tenantId} --provider evolution --instance NAME --number MSISDN --apikey KEY`,
    );
  }
  const numbers = instances.map((i) => i.number).filter((n): n is string => Boolean(n));
  const elsewhere = (await store.admin.findInstancesByNumber(numbers)).filter((o) => o.tenantId !== tenantId);
  const evidence = {
    instances: instances.map((i) => ({
      provider: i.provider,
      name: i.name,
      number: i.number ? `+${i.number}` : null,
      secured: guarded(i),
    })),
  };
  if (elsewhere.length > 0) {
    const clashes = [];
    for (const other of elsewhere) {
      const mine = instances.find((i) => i.number === other.number);
      const went = (await store.receipts.outcomesByInstance(other.tenantId, since))
        .filter((o) => o.instanceName === other.name)
        .reduce((n, o) => n + o.count, 0);
      clashes.push({
        number: `+${other.number}`,
        instance: mine?.name,
        other_instance: other.name,
        other_tenant: other.tenantId,
        webhooks: went,
      });
    }
    const c = clashes[0] as (typeof clashes)[number];
    return hop(
      'instances',
      title,
      'fail',
      `number ${c.number} of instance "${c.instance}" is also the number of instance "${c.other_instance}" of tenant ${c.other_tenant}: ${c.webhooks} webhook(s) in the last ${hours} h went there`,
      { ...evidence, number_elsewhere: clashes },
      `the WhatsApp account is mapped to another tenant; if it is this tenant's, remove or fix the other instance (newton instance remove --provider ${elsewhere[0]?.provider} --instance ${c.other_instance}) and point that Evolution instance's webhook at this tenant's instance`,
    );
  }
  const taken = await acceptedElsewhere(store, tenantId, instances, since, hours, evidence);
  if (taken) return taken;
  const open = instances.filter((i) => !guarded(i));
  if (open.length > 0) {
    return hop(
      'instances',
      title,
      'warn',
      `${instances.length} instance(s); ${open.map((i) => `"${i.name}"`).join(', ')} accept(s) unauthenticated webhooks`,
      evidence,
      'guard it: newton instance remove … then add it again with --apikey KEY or --generate-secret',
    );
  }
  return hop(
    'instances',
    title,
    'pass',
    `${instances.length} instance(s): ${instances.map((i) => `${i.name} (${i.number ? `+${i.number}` : 'any number'})`).join(', ')}; credentials configured`,
    evidence,
  );
}

/**
 * Webhooks from one of this tenant's numbers that another tenant's instance
 * accepted: that instance has no number configured, so nothing refused them
 * and no receipt is unroutable. Only the receipts' `sender_number` shows it.
 */
async function acceptedElsewhere(
  store: Store,
  tenantId: string,
  instances: Instance[],
  since: number,
  hours: number,
  evidence: Record<string, unknown>,
): Promise<Hop | null> {
  const mineOf = new Map<string, Instance>();
  for (const i of instances) {
    if (!i.number) continue;
    mineOf.set(i.number, i);
    const digits = senderDigits(i.number);
    if (digits) mineOf.set(digits, i);
  }
  const rows = await store.receipts.routedElsewhere({ tenantId, numbers: [...mineOf.keys()], since });
  if (rows.length === 0) return null;
  const taken = rows.map((r) => ({
    number: `+${r.senderNumber}`,
    instance: mineOf.get(r.senderNumber)?.name ?? null,
    other_instance: r.instanceName,
    other_tenant: r.tenantId,
    webhooks: r.count,
    last_at: iso(r.lastAt),
  }));
  const c = taken[0] as (typeof taken)[number];
  const other = `instance "${c.other_instance}" of tenant ${c.other_tenant}`;
  return hop(
    'instances',
    'Instances and numbers',
    'fail',
    `${c.webhooks} webhook(s) from this tenant's number ${c.number} (instance "${c.instance}") were accepted by ${other} in the last ${hours} h (last at ${c.last_at})`,
    { ...evidence, number_accepted_elsewhere: taken },
    `the WhatsApp account of ${c.number} is connected to ${other}, which has no number configured and so takes any account's webhooks. If the account is this tenant's, move the instance here (newton instance remove --provider evolution --instance ${c.other_instance}, then newton instance add ${tenantId} --provider evolution --instance ${c.other_instance} --number ${c.number.slice(1)} --apikey KEY); otherwise set --number on instance "${c.other_instance}" (remove it and add it again with --number and its own number) so Newton refuses webhooks from other numbers`,
  );
}
