/**
 * Evolution API v2's instance-management routes on the provider simulator,
 * with Evolution's guards (instance first, then apikey) and answers:
 *
 * - `GET /instance/connectionState/:instance` → 200 `{"instance":{"instanceName","state"}}`, `state`
 *   left out when the instance is not loaded (src/api/controllers/instance.controller.ts).
 * - `GET /webhook/find/:instance` → 200 with the stored row, or `null` until one is set
 *   (src/api/integrations/event/event.controller.ts `get`).
 * - `POST /webhook/set/:instance` → 201 with the upserted row; the v2 body is checked like
 *   webhook.schema.ts (400 with jsonschema's nested messages on a missing `webhook`, `enabled`,
 *   `url` or an unknown event name) and webhook.controller.ts 2.2.3 (400 `Invalid "url" property`);
 *   `enabled:false` stores no events, `enabled:true` with `[]` stores every event, and events left
 *   out with `enabled:true` fail with 500 (`data.webhook.events.length` of undefined).
 */
import { randomUUID } from 'node:crypto';
import {
  type EvolutionSim,
  type EvolutionSimOptions,
  evolutionError,
  guard,
  installEvolution,
} from './evolution.js';
import { ProviderSimulator, type SimRequest } from './server.js';

export const EVOLUTION_CONNECTION_STATE = 'evolution.connectionState';
export const EVOLUTION_WEBHOOK_FIND = 'evolution.webhookFind';
export const EVOLUTION_WEBHOOK_SET = 'evolution.webhookSet';

/** The PUBLIC_URL that upstream tests give Newton, and so the webhook URL Newton wants Evolution to post to. */
export const NEWTON_PUBLIC_URL = 'https://newton.example.com';
export const NEWTON_EVOLUTION_HOOK = `${NEWTON_PUBLIC_URL}/webhooks/evolution`;

/** `EventController.events` of 2.3.x (src/api/integrations/event/event.controller.ts @0732b9c4). */
export const EVOLUTION_EVENTS = [
  'APPLICATION_STARTUP',
  'QRCODE_UPDATED',
  'MESSAGES_SET',
  'MESSAGES_UPSERT',
  'MESSAGES_EDITED',
  'MESSAGES_UPDATE',
  'MESSAGES_DELETE',
  'SEND_MESSAGE',
  'SEND_MESSAGE_UPDATE',
  'CONTACTS_SET',
  'CONTACTS_UPSERT',
  'CONTACTS_UPDATE',
  'PRESENCE_UPDATE',
  'CHATS_SET',
  'CHATS_UPSERT',
  'CHATS_UPDATE',
  'CHATS_DELETE',
  'GROUPS_UPSERT',
  'GROUP_UPDATE',
  'GROUP_PARTICIPANTS_UPDATE',
  'CONNECTION_UPDATE',
  'LABELS_EDIT',
  'LABELS_ASSOCIATION',
  'CALL',
  'TYPEBOT_START',
  'TYPEBOT_CHANGE_STATUS',
  'REMOVE_INSTANCE',
  'LOGOUT_INSTANCE',
  'INSTANCE_CREATE',
  'INSTANCE_DELETE',
  'STATUS_INSTANCE',
];

/** A Prisma `Webhook` row as `find` and `set` answer it. */
export interface EvolutionWebhookRecord {
  id: string;
  url: string;
  headers: Record<string, string> | null;
  enabled: boolean;
  events: string[];
  webhookByEvents: boolean;
  webhookBase64: boolean;
  createdAt: string;
  updatedAt: string;
  instanceId: string;
}

export interface EvolutionInstanceSim {
  /**
   * Session state per instance name (default `open`); `null` answers without
   * `state`, as for an instance Evolution has not loaded.
   */
  readonly states: Map<string, 'open' | 'connecting' | 'close' | null>;
  /** The stored webhook per instance name (absent: `find` answers `null`). Tests may set rows directly. */
  readonly webhooks: Map<string, EvolutionWebhookRecord>;
}

const bad = (message: unknown) => evolutionError(400, message);

/** Registers the instance routes on `sim`, beside installEvolution (same options). */
export function installEvolutionInstance(
  sim: ProviderSimulator,
  opts: EvolutionSimOptions,
): EvolutionInstanceSim {
  const state: EvolutionInstanceSim = { states: new Map(), webhooks: new Map() };
  const instanceIds = new Map<string, string>();
  const idOf = (name: string) => {
    if (!instanceIds.has(name)) instanceIds.set(name, randomUUID());
    return instanceIds.get(name) as string;
  };

  sim.route('GET', '/instance/connectionState/:instance', EVOLUTION_CONNECTION_STATE, (req) => {
    const refused = guard(opts, req);
    if (refused) return refused;
    const name = req.params.instance ?? '';
    const s = state.states.has(name) ? state.states.get(name) : 'open';
    return { status: 200, body: { instance: { instanceName: name, ...(s ? { state: s } : {}) } } };
  });

  sim.route('GET', '/webhook/find/:instance', EVOLUTION_WEBHOOK_FIND, (req) => {
    const refused = guard(opts, req);
    if (refused) return refused;
    return { status: 200, body: state.webhooks.get(req.params.instance ?? '') ?? null };
  });

  sim.route('POST', '/webhook/set/:instance', EVOLUTION_WEBHOOK_SET, (req: SimRequest) => {
    const refused = guard(opts, req);
    if (refused) return refused;
    const body = req.body as { webhook?: Record<string, unknown> } | undefined;
    const w = body?.webhook;
    if (typeof w !== 'object' || w === null) return bad([['instance requires property "webhook"']]);
    const missing = ['enabled', 'url'].filter((k) => w[k] === undefined);
    if (missing.length > 0) return bad(missing.map((k) => [`webhook requires property "${k}"`]));
    if (typeof w.url !== 'string' || w.url === '') return bad([['The "url" cannot be empty']]);
    if (typeof w.enabled !== 'boolean') return bad([['webhook.enabled is not of a type(s) boolean']]);
    if (w.events !== undefined) {
      if (!Array.isArray(w.events)) return bad([['webhook.events is not of a type(s) array']]);
      const i = w.events.findIndex((e) => typeof e !== 'string' || !EVOLUTION_EVENTS.includes(e));
      if (i >= 0) {
        return bad([[`webhook.events[${i}] is not one of enum values: ${EVOLUTION_EVENTS.join(',')}`]]);
      }
    }
    if (!/^https?:\/\/[^\s]+$/.test(w.url)) return bad(['Invalid "url" property']);
    let events: string[];
    if (!w.enabled) events = [];
    else if (w.events === undefined) {
      return {
        status: 500,
        body: {
          status: 500,
          error: 'Internal Server Error',
          response: { message: "Cannot read properties of undefined (reading 'length')" },
        },
      };
    } else events = (w.events as string[]).length === 0 ? [...EVOLUTION_EVENTS] : [...(w.events as string[])];
    const name = req.params.instance ?? '';
    const now = new Date().toISOString();
    const previous = state.webhooks.get(name);
    const row: EvolutionWebhookRecord = {
      id: previous?.id ?? randomUUID().replace(/-/g, '').slice(0, 25),
      url: w.url,
      headers:
        typeof w.headers === 'object' && w.headers !== null ? (w.headers as Record<string, string>) : null,
      enabled: w.enabled,
      events,
      webhookByEvents: w.byEvents === true,
      webhookBase64: w.base64 === true,
      createdAt: previous?.createdAt ?? now,
      updatedAt: now,
      instanceId: idOf(name),
    };
    state.webhooks.set(name, row);
    return { status: 201, body: row };
  });

  return state;
}

/** A stored webhook row for tests that start from settings made elsewhere. */
export function webhookRecord(o: Partial<EvolutionWebhookRecord> & { url: string }): EvolutionWebhookRecord {
  const now = new Date().toISOString();
  return {
    id: randomUUID().replace(/-/g, '').slice(0, 25),
    headers: null,
    enabled: true,
    events: ['MESSAGES_UPSERT', 'MESSAGES_UPDATE', 'SEND_MESSAGE', 'CONNECTION_UPDATE'],
    webhookByEvents: false,
    webhookBase64: false,
    createdAt: now,
    updatedAt: now,
    instanceId: randomUUID(),
    ...o,
  };
}

/** A simulator with Evolution's message and instance routes for `instances` (name → apikey). */
export async function startEvolutionSimulator(
  instances: Record<string, string>,
): Promise<{ sim: ProviderSimulator; messages: EvolutionSim; evo: EvolutionInstanceSim }> {
  const sim = await ProviderSimulator.start();
  const opts = { instances };
  return { sim, messages: installEvolution(sim, opts), evo: installEvolutionInstance(sim, opts) };
}
