/**
 * Doctor's `upstream` hop: each instance as its provider sees it. Is the
 * WhatsApp session connected (and since when), does the provider's webhook
 * point here with the events Newton needs, is the instance quiet for far
 * longer than its usual traffic, and did backfill recover messages the
 * provider never posted. Every finding carries its fix.
 */
import type { Hop, InstanceStatusPayload, UpstreamFinding, UpstreamView } from '@newton/protocol';
import type { Instance, InstanceCheck, UpstreamProbe } from '../core/index.js';
import type { Store } from '../store/index.js';
import { hop, iso } from './report.js';

const TITLE = 'Provider connection and webhook';
/** Webhook arrivals read per instance to learn its usual traffic. */
const ARRIVALS = 1000;
/** Fewer arrivals than this in the window say nothing about a usual pace. */
const MIN_ARRIVALS = 6;
/** Silent for this many usual gaps (and at least MIN_SILENCE_MS) is worth a look. */
const SILENCE_FACTOR = 6;
const MIN_SILENCE_MS = 30 * 60_000;

export interface UpstreamHopInput {
  store: Store;
  /** Asks the provider now; without it, the recorded state stands and the webhook is not checked. */
  upstream: UpstreamProbe | undefined;
  tenantId: string;
  instances: Instance[];
  /** Receipts per instance and outcome over the window (`backfilled` counts recovered messages). */
  outcomes: { instanceName: string | null; outcome: string; count: number }[];
  since: number;
  hours: number;
  now: number;
  /** How long one provider check may take. @default 3000 */
  checkTimeoutMs?: number;
}

type Checked = InstanceCheck | { timedOut: number };

export async function upstreamHop(input: UpstreamHopInput): Promise<{ hop: Hop; views: UpstreamView[] }> {
  if (input.instances.length === 0) {
    return { hop: hop('upstream', TITLE, 'skip', 'no instance to check'), views: [] };
  }
  const recorded = await input.store.instances.list(input.tenantId);
  const views = await Promise.all(
    input.instances.map(async (inst) => {
      const check = input.upstream
        ? await checkWithin(input.upstream, inst, input.checkTimeoutMs ?? 3000)
        : undefined;
      const status = recorded.find((r) => r.id === inst.id);
      const arrivals = await input.store.receipts.arrivals(input.tenantId, inst.name, input.since, ARRIVALS);
      const recovered = input.outcomes
        .filter((o) => o.instanceName === inst.name && o.outcome === 'backfilled')
        .reduce((n, o) => n + o.count, 0);
      const view = viewOf(inst, status, check, arrivals, recovered, input);
      const stored = check && !('timedOut' in check) ? check.storedLastDay : undefined;
      if (stored === 0) {
        const received = await input.store.receipts.messagesReceived(input.tenantId, inst.name, input.since);
        if (received > 0) view.findings.push(recoveryOff(received, input.hours));
      }
      return view;
    }),
  );
  const all = views.flatMap((v) => v.findings.map((f) => ({ v, f })));
  const status = all.some(({ f }) => f.status === 'fail') ? 'fail' : all.length > 0 ? 'warn' : 'pass';
  const evidence = {
    instances: views.map((v) => ({
      instance: v.instance,
      state: v.state,
      reason: v.reason,
      since: v.since,
      webhook_problems: v.webhook?.problems.map((p) => p.code) ?? null,
      last_webhook_at: v.last_webhook_at,
      usual_gap_ms: v.usual_gap_ms,
      recovered: v.recovered,
    })),
  };
  if (status === 'pass') {
    return { hop: hop('upstream', TITLE, 'pass', views.map(summary).join('; '), evidence), views };
  }
  // Failures first, then warnings; each with its instance's name and fix.
  const ordered = [
    ...all.filter(({ f }) => f.status === 'fail'),
    ...all.filter(({ f }) => f.status === 'warn'),
  ];
  return {
    hop: hop(
      'upstream',
      TITLE,
      status,
      ordered.map(({ v, f }) => `"${v.instance}" ${f.detail}`).join('; '),
      evidence,
      ordered.map(({ v, f }) => `"${v.instance}": ${f.fix}`).join('\n'),
    ),
    views,
  };
}

/** The provider's answer, or a timeout after `ms` (a check never throws, but may hang on a dead provider). */
async function checkWithin(probe: UpstreamProbe, inst: Instance, ms: number): Promise<Checked> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<Checked>((resolve) => {
    timer = setTimeout(() => resolve({ timedOut: ms }), ms);
  });
  try {
    return await Promise.race([probe.check(inst), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** The check's reason for an instance Newton has no provider URL for (upstream/checks.ts). */
const NOT_ASKABLE = 'no_provider_url';

function viewOf(
  inst: Instance,
  status: InstanceStatusPayload | undefined,
  check: Checked | undefined,
  arrivals: number[],
  recovered: number,
  input: UpstreamHopInput,
): UpstreamView {
  const findings: UpstreamFinding[] = [];
  const provider = PROVIDER_NAME[inst.provider] ?? inst.provider;
  // What the provider says now wins over what Newton last recorded.
  const checked = check && 'timedOut' in check ? timedOutCheck(inst, check.timedOut, input.now) : check;
  // An instance without a provider URL cannot be asked: what its webhooks said stands.
  const live = checked?.connection.reason === NOT_ASKABLE ? undefined : checked;
  const recordedSince = status?.since ?? new Date(inst.createdAt).toISOString();
  const conn =
    live?.connection ??
    (status
      ? { state: status.state, reason: status.reason, detail: status.detail }
      : { state: 'unknown' as const, reason: 'not_checked', detail: null });
  const since =
    !live || status?.state === conn.state ? recordedSince : new Date(live.checkedAt).toISOString();
  if (
    conn.state === 'unknown' &&
    (conn.reason === null || conn.reason === 'not_checked' || conn.reason === NOT_ASKABLE)
  ) {
    findings.push({
      status: 'warn',
      code: 'state_unknown',
      detail: `session state not known: ${provider} has reported none and Newton did not ask it`,
      fix:
        inst.provider === 'evolution'
          ? "subscribe the instance's webhook to CONNECTION_UPDATE in Evolution, and give Newton the instance's URL and apikey (newton instance add … --url --apikey) so it can ask"
          : "give Newton the number's access token (newton instance add … --access-token) so it can ask the Cloud API",
    });
  } else if (conn.state !== 'open') {
    findings.push({
      status: 'fail',
      code: 'not_open',
      detail: `is ${conn.state}${conn.reason ? ` (${conn.reason})` : ''} since ${since}${conn.detail ? `: ${conn.detail}` : ''}: no message can arrive`,
      fix: fixForState(inst, conn.state, conn.reason),
    });
  }

  const webhook = live?.webhook ?? null;
  let webhookNote: string | null = null;
  if (!check) webhookNote = 'webhook settings not checked: this node has no provider check';
  else if (!live)
    webhookNote = `webhook settings not checked: ${checked?.connection.detail ?? 'no provider URL'}`;
  else if (!webhook)
    webhookNote =
      live?.connection.reason && conn.state === 'unknown'
        ? `webhook settings not checked: ${provider} could not be asked`
        : `webhook settings not readable from ${provider} (Cloud API: set in Meta's app dashboard)`;
  if (webhook) for (const p of webhook.problems) findings.push(webhookFinding(inst, p, webhook));

  const lastWebhook = Math.max(
    arrivals[0] ?? 0,
    status?.last_webhook_at ? Date.parse(status.last_webhook_at) : 0,
  );
  const usualGap = medianGap(arrivals);
  const silent = lastWebhook > 0 ? input.now - lastWebhook : null;
  if (
    conn.state === 'open' &&
    usualGap !== null &&
    silent !== null &&
    silent > Math.max(SILENCE_FACTOR * usualGap, MIN_SILENCE_MS)
  ) {
    findings.push({
      status: 'warn',
      code: 'silent',
      detail: `silent for ${span(silent)} while it usually hears every ${span(usualGap)} (last webhook at ${iso(lastWebhook)})`,
      fix: `${provider} stopped posting, or the phone stopped receiving: check the instance in ${provider}'s manager and its logs for webhook posts to Newton that failed; newton receipts --instance ${inst.name} shows the last ones that arrived`,
    });
  }
  if (recovered > 0) {
    findings.push({
      status: 'warn',
      code: 'recovered',
      detail: `${provider} held ${recovered} message${recovered === 1 ? '' : 's'} it never posted in the last ${input.hours} h; recovered`,
      fix: `check ${provider}'s webhook queue: its logs say why those webhooks never reached Newton (the messages themselves are in the inbox)`,
    });
  }
  return {
    instance: inst.name,
    provider: inst.provider,
    state: conn.state,
    reason: conn.state === 'open' ? null : conn.reason,
    since,
    state_source: live ? 'check' : 'recorded',
    webhook: webhook
      ? {
          ok: webhook.ok,
          expected_url: webhook.expectedUrl,
          url: webhook.current?.url ?? null,
          enabled: webhook.current?.enabled ?? null,
          events: webhook.current?.events ?? [],
          problems: webhook.problems.map((p) => ({
            code: p.code,
            detail: p.detail,
            ...(p.event ? { event: p.event } : {}),
            blocking: p.blocking,
          })),
        }
      : null,
    webhook_note: webhookNote,
    last_webhook_at: iso(lastWebhook),
    usual_gap_ms: usualGap,
    recovered,
    findings,
  };
}

const PROVIDER_NAME: Record<string, string> = { evolution: 'Evolution', cloud: 'the Cloud API' };

function timedOutCheck(inst: Instance, ms: number, now: number): InstanceCheck {
  return {
    instanceId: inst.id,
    connection: {
      state: 'unknown',
      reason: 'provider_timeout',
      detail: `the provider did not answer within ${ms} ms`,
    },
    webhook: null,
    checkedAt: now,
  };
}

/** What to do about a session that is not open, by the reason the provider gave. */
function fixForState(inst: Instance, state: string, reason: string | null): string {
  const qr = `open Evolution's manager and scan the QR code of instance "${inst.name}" with the phone${inst.number ? ` of +${inst.number}` : ''} (WhatsApp → Linked devices)`;
  switch (reason) {
    case 'qr_required':
      return qr;
    case 'logged_out':
      return `the phone logged this session out: ${qr}`;
    case 'replaced':
      return `another WhatsApp Web session took over this number: close it, then ${qr}`;
    case 'restart_required':
      return `restart instance "${inst.name}" in Evolution's manager (Restart), then check again`;
    case 'token_invalid':
      return 'renew the access token: create a permanent System User token in Meta Business settings, then register the number again in Newton (newton instance remove --provider cloud …, newton instance add … --access-token ACCESS_TOKEN)';
    case 'account_restricted':
      return "Meta restricted the account: see WhatsApp Manager's account quality page";
    case 'account_unshared':
      return "share the WhatsApp Business Account with the app again (Embedded Signup), or register the number with a token of the account's own System User";
    case 'provider_unreachable':
    case 'provider_timeout':
    case 'provider_unauthorized':
    case null:
      if (state === 'connecting') return `wait a moment; if it stays connecting, ${qr}`;
      return `check the provider URL and apikey Newton has for instance "${inst.name}" (newton instance list ${inst.tenantId}) and that ${PROVIDER_NAME[inst.provider] ?? inst.provider} answers from this node`;
    default:
      return inst.provider === 'evolution'
        ? `see instance "${inst.name}" in Evolution's manager; ${qr}`
        : "see the number in Meta's WhatsApp Manager";
  }
}

function webhookFinding(
  inst: Instance,
  p: NonNullable<InstanceCheck['webhook']>['problems'][number],
  webhook: NonNullable<InstanceCheck['webhook']>,
): UpstreamFinding {
  const expected = webhook.expectedUrl ?? 'http(s)://<newton>/webhooks/evolution';
  const where = `in Evolution's manager (instance "${inst.name}" → Webhook)`;
  const status = p.blocking ? 'fail' : 'warn';
  switch (p.code) {
    case 'not_set':
      return {
        status,
        code: p.code,
        detail: 'has no webhook set: nothing is posted to Newton',
        fix: `set the webhook ${where} to ${expected}, enabled, with MESSAGES_UPSERT, MESSAGES_UPDATE and CONNECTION_UPDATE`,
      };
    case 'disabled':
      return {
        status,
        code: p.code,
        detail: 'has its webhook disabled: nothing is posted to Newton',
        fix: `enable the webhook ${where}`,
      };
    case 'wrong_url':
      return {
        status,
        code: p.code,
        detail: `posts its webhook to ${webhook.current?.url ?? 'another URL'}, not to ${expected}`,
        fix: `set the webhook URL ${where} to ${expected}`,
      };
    case 'missing_event':
      return {
        status,
        code: p.code,
        detail: `webhook is not subscribed to ${p.event ?? 'an event Newton needs'}${p.blocking ? ': no message is posted' : ''}`,
        fix: `turn on ${p.event ?? 'the missing event'} in the webhook events ${where}`,
      };
    default:
      return {
        status,
        code: p.code,
        detail: `webhook settings not checked: ${p.detail}`,
        fix: `check the provider URL and apikey Newton has for instance "${inst.name}" (newton instance list ${inst.tenantId})`,
      };
  }
}

/** Evolution stores none of the messages its webhooks brought: backfill has nothing to read. */
function recoveryOff(received: number, hours: number): UpstreamFinding {
  return {
    status: 'warn',
    code: 'recovery_off',
    detail: `recovery is off: Evolution stores no message of the last 24 h while its webhooks brought ${received} in the last ${hours} h, so a webhook that fails for good cannot be backfilled`,
    fix: "set DATABASE_SAVE_DATA_NEW_MESSAGE=true (with DATABASE_ENABLED=true) in Evolution's environment and restart it; Newton's backfill then recovers what Evolution held but never posted",
  };
}

/** Median time between consecutive arrivals (newest first), or null with too few to tell. */
export function medianGap(arrivals: number[]): number | null {
  if (arrivals.length < MIN_ARRIVALS) return null;
  const gaps = arrivals
    .slice(1)
    .map((t, i) => (arrivals[i] as number) - t)
    .sort((a, b) => a - b);
  return gaps[Math.floor(gaps.length / 2)] ?? null;
}

/** 45 s, 10 min, 3 h, 2 d. */
export function span(ms: number): string {
  if (ms < 90_000) return `${Math.round(ms / 1000)} s`;
  if (ms < 90 * 60_000) return `${Math.round(ms / 60_000)} min`;
  if (ms < 36 * 3_600_000) return `${Math.round(ms / 3_600_000)} h`;
  return `${Math.round(ms / 86_400_000)} d`;
}

function summary(v: UpstreamView): string {
  const webhook = v.webhook ? 'webhook points here with the events Newton needs' : v.webhook_note;
  const last = v.last_webhook_at
    ? `last webhook at ${v.last_webhook_at}${v.usual_gap_ms !== null ? ` (usually every ${span(v.usual_gap_ms)})` : ''}`
    : 'no webhook yet';
  return `"${v.instance}" ${v.state} since ${v.since}; ${webhook}; ${last}`;
}
