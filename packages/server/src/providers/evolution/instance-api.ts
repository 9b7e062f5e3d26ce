/**
 * Evolution API v2's instance management routes that Newton's checks use,
 * each with the instance's `apikey` header and a time limit:
 *
 * - `GET /instance/connectionState/{name}` → 200 `{"instance":{"instanceName","state"}}`; `state` is
 *   missing when the instance exists but is not loaded (src/api/controllers/instance.controller.ts).
 * - `GET /webhook/find/{name}` → 200 with the Prisma `Webhook` row, or body `null` when none is set
 *   (src/api/integrations/event/event.controller.ts `get`).
 * - `POST /webhook/set/{name}` with `{"webhook":{enabled,url,events,headers,byEvents,base64}}` → 201 with
 *   the upserted row (src/api/integrations/event/webhook/webhook.controller.ts, webhook.schema.ts).
 *
 * Unknown instance → 404 (instance guard runs before auth), wrong key → 401
 * (src/api/guards/instance.guard.ts, auth.guard.ts).
 */
import type { Instance } from '../../core/index.js';
import { isObj } from '../json-read.js';
import { callUpstream, type UpstreamAnswer } from '../upstream-call.js';

/** The webhook settings Evolution keeps for an instance (`find`/`set` answer, names as Evolution returns them). */
export interface EvolutionWebhookRow {
  enabled: boolean;
  url: string | null;
  /** UPPER_SNAKE event names, as stored. */
  events: string[];
  webhookByEvents: boolean;
  webhookBase64: boolean;
  /** Headers Evolution sends with each webhook (values may be secrets: never print them). */
  headers: Record<string, string>;
}

/** The body of `POST /webhook/set/{name}` (inside Evolution's `webhook` wrapper). */
export interface EvolutionWebhookSettings {
  url: string;
  events: string[];
  headers: Record<string, string>;
  byEvents: false;
  base64: false;
  enabled: true;
}

export type EvolutionAnswer<T> = { ok: true; value: T } | Exclude<UpstreamAnswer, { ok: true }>;

function base(instance: Instance, route: string): string {
  const root = (instance.baseUrl ?? '').replace(/\/+$/, '');
  return `${root}/${route}/${encodeURIComponent(instance.name)}`;
}

/** A stored webhook row (or null when Evolution answered `null`), read leniently. */
export function webhookRow(body: unknown): EvolutionWebhookRow | null {
  if (!isObj(body)) return null;
  const headers: Record<string, string> = {};
  if (isObj(body.headers)) {
    for (const [k, v] of Object.entries(body.headers)) if (typeof v === 'string') headers[k] = v;
  }
  return {
    enabled: body.enabled === true,
    url: typeof body.url === 'string' && body.url !== '' ? body.url : null,
    events: Array.isArray(body.events) ? body.events.filter((e): e is string => typeof e === 'string') : [],
    webhookByEvents: body.webhookByEvents === true,
    webhookBase64: body.webhookBase64 === true,
    headers,
  };
}

/** Evolution's instance routes for one Newton; every call is bounded by `timeoutMs`. */
export class EvolutionInstanceApi {
  constructor(private readonly timeoutMs: number) {}

  private call(instance: Instance, url: string, body?: unknown): Promise<UpstreamAnswer> {
    return callUpstream(url, {
      method: body === undefined ? 'GET' : 'POST',
      headers: { apikey: instance.apikey ?? '' },
      body,
      timeoutMs: this.timeoutMs,
    });
  }

  /** The session state Evolution holds in memory (`open`, `connecting`, `close`), or null when the instance is not loaded. */
  async connectionState(instance: Instance): Promise<EvolutionAnswer<{ state: string | null }>> {
    const res = await this.call(instance, base(instance, 'instance/connectionState'));
    if (!res.ok) return res;
    const inner = isObj(res.body) && isObj(res.body.instance) ? res.body.instance : {};
    return { ok: true, value: { state: typeof inner.state === 'string' ? inner.state : null } };
  }

  /** The instance's webhook settings; null when none are set. */
  async findWebhook(instance: Instance): Promise<EvolutionAnswer<EvolutionWebhookRow | null>> {
    const res = await this.call(instance, base(instance, 'webhook/find'));
    return res.ok ? { ok: true, value: webhookRow(res.body) } : res;
  }

  /** Replaces the instance's webhook settings; answers the row Evolution stored. */
  async setWebhook(
    instance: Instance,
    settings: EvolutionWebhookSettings,
  ): Promise<EvolutionAnswer<EvolutionWebhookRow | null>> {
    const res = await this.call(instance, base(instance, 'webhook/set'), { webhook: settings });
    return res.ok ? { ok: true, value: webhookRow(res.body) } : res;
  }
}
