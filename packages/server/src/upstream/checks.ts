/**
 * Newton asking a provider about one instance (#12): for Evolution, the
 * session state (`GET /instance/connectionState`) and the webhook settings
 * (`GET /webhook/find`) measured against what Newton needs; for the Cloud API,
 * Meta's status of the number. A failure to ask is a state `unknown` with the
 * reason, never an exception.
 */
import type { InstanceState } from '@newton/protocol';
import type { Instance, InstanceCheck, UpstreamProbe, WebhookCheck } from '../core/index.js';
import { findMessages } from '../providers/evolution/history.js';
import {
  type CloudPhoneAnswer,
  checkCloudPhone,
  type EvolutionAnswer,
  EvolutionInstanceApi,
} from '../providers/index.js';
import { expectedWebhookUrl, judgeWebhook } from './webhook-rules.js';

export interface UpstreamCheckOptions {
  /** PUBLIC_URL: the base of the webhook URL Newton expects; unset, the URL is not judged. */
  publicUrl: string | undefined;
  /** Time limit of each call to the provider (UPSTREAM_CHECK_TIMEOUT_MS). */
  timeoutMs: number;
  /** @default Date.now */
  now?: () => number;
}

type Connection = InstanceCheck['connection'];

const STATES = new Set<InstanceState>(['open', 'connecting', 'close']);

function unknown(reason: string, detail: string | null): Connection {
  return { state: 'unknown', reason, detail };
}

/** Why Evolution could not be asked, as a connection (the same words for both calls). */
function evolutionFailure(
  res: Exclude<EvolutionAnswer<unknown>, { ok: true }>,
  instance: Instance,
): Connection {
  if (res.kind === 'timeout') return unknown('provider_timeout', `Evolution gave ${res.reason}`);
  if (res.kind === 'unreachable') return unknown('provider_unreachable', `Evolution ${res.reason}`);
  if (res.status === 404) {
    return {
      state: 'close',
      reason: 'instance_missing',
      detail: `Evolution has no instance "${instance.name}" (create it there, or fix the name)`,
    };
  }
  if (res.status === 401 || res.status === 403) {
    return unknown(
      'provider_unauthorized',
      `Evolution refused the instance's API key (HTTP ${res.status}): newton instance update … --apikey KEY`,
    );
  }
  return unknown('provider_error', `Evolution answered HTTP ${res.status}`);
}

function evolutionConnection(res: EvolutionAnswer<{ state: string | null }>, instance: Instance): Connection {
  if (!res.ok) return evolutionFailure(res, instance);
  const state = res.value.state;
  if (state === null) {
    return unknown('instance_not_loaded', 'Evolution knows the instance but has not loaded it (no state)');
  }
  if (STATES.has(state as InstanceState))
    return { state: state as InstanceState, reason: null, detail: null };
  return unknown('unexpected_state', `Evolution reported the state "${state.slice(0, 40)}"`);
}

function cloudConnection(res: CloudPhoneAnswer): { connection: Connection; phone?: Record<string, string> } {
  if (!res.ok) {
    const reason = {
      token_invalid: 'token_invalid',
      wrong_id: 'wrong_phone_number_id',
      unauthorized: 'provider_unauthorized',
      http: 'provider_error',
      timeout: 'provider_timeout',
      unreachable: 'provider_unreachable',
    }[res.kind];
    // A dead token or a locked account: closed, in the words a refused send uses (providers/cloud/account.ts).
    if (res.problem) return { connection: { state: 'close', ...res.problem } };
    const state: InstanceState =
      res.kind === 'wrong_id' || res.kind === 'token_invalid' ? 'close' : 'unknown';
    return { connection: { state, reason, detail: `Meta: ${res.reason}` } };
  }
  const p = res.phone;
  const phone = Object.fromEntries(
    Object.entries({
      status: p.status,
      quality_rating: p.qualityRating,
      name_status: p.nameStatus,
      code_verification_status: p.codeVerificationStatus,
      verified_name: p.verifiedName,
      display_phone_number: p.displayPhoneNumber,
    }).filter((e): e is [string, string] => e[1] !== null),
  );
  const quality = p.qualityRating ? `quality ${p.qualityRating}` : 'quality not given';
  if (p.status === null)
    return { connection: unknown('no_status', `Meta gave no status (${quality})`), phone };
  // The quality stays in `phone`: an open number's detail holds the provider's notes (webhooks).
  if (p.status === 'CONNECTED') return { connection: { state: 'open', reason: null, detail: null }, phone };
  return {
    connection: { state: 'close', reason: 'number_status', detail: `Meta: status ${p.status} (${quality})` },
    phone,
  };
}

/** Implements core's UpstreamProbe against Evolution API v2 and the WhatsApp Cloud API. */
export class UpstreamChecks implements UpstreamProbe {
  readonly evolution: EvolutionInstanceApi;
  private readonly now: () => number;

  constructor(private readonly opts: UpstreamCheckOptions) {
    this.evolution = new EvolutionInstanceApi(opts.timeoutMs);
    this.now = opts.now ?? Date.now;
  }

  /** `<PUBLIC_URL>/webhooks/evolution`, or null without PUBLIC_URL. */
  get expectedUrl(): string | null {
    return expectedWebhookUrl(this.opts.publicUrl);
  }

  async check(instance: Instance): Promise<InstanceCheck> {
    try {
      return await this.checkOrThrow(instance);
    } catch (err) {
      // Never throws (a bug here must not stop the checker's other instances).
      return {
        instanceId: instance.id,
        connection: unknown('check_failed', (err as Error).message.slice(0, 300)),
        webhook: null,
        checkedAt: this.now(),
      };
    }
  }

  private async checkOrThrow(instance: Instance): Promise<InstanceCheck> {
    if (instance.provider === 'cloud') {
      const { connection, phone } = cloudConnection(await checkCloudPhone(instance, this.opts.timeoutMs));
      return {
        instanceId: instance.id,
        connection,
        webhook: null,
        checkedAt: this.now(),
        ...(phone ? { phone } : {}),
      };
    }
    if (!instance.baseUrl) {
      return {
        instanceId: instance.id,
        connection: unknown(
          'no_provider_url',
          `instance "${instance.name}" has no Evolution URL (newton instance update … --url EVOLUTION_URL)`,
        ),
        webhook: null,
        checkedAt: this.now(),
      };
    }
    const [state, found, storedLastDay] = await Promise.all([
      this.evolution.connectionState(instance),
      this.evolution.findWebhook(instance),
      this.storedLastDay(instance),
    ]);
    let webhook: WebhookCheck;
    if (found.ok) webhook = judgeWebhook(found.value, this.expectedUrl);
    else {
      const why = evolutionFailure(found, instance);
      webhook = {
        ok: false,
        expectedUrl: this.expectedUrl,
        current: null,
        problems: [
          {
            code: 'unchecked',
            detail: `the webhook settings could not be read: ${why.detail ?? why.reason}`,
            blocking: false,
          },
        ],
      };
    }
    return {
      instanceId: instance.id,
      connection: evolutionConnection(state, instance),
      webhook,
      checkedAt: this.now(),
      storedLastDay,
    };
  }

  /** Evolution's own count of the instance's messages over the last 24 h (one record asked), or null. */
  private async storedLastDay(instance: Instance): Promise<number | null> {
    const until = this.now();
    try {
      const page = await findMessages(
        instance,
        { since: until - DAY_MS, until, page: 1, pageSize: 1 },
        AbortSignal.timeout(this.opts.timeoutMs),
      );
      return page.total;
    } catch {
      return null;
    }
  }
}

const DAY_MS = 86_400_000;
