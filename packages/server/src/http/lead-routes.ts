/**
 * REST of the lead panel (#15): `GET /api/leads/{id}` (the lead with its
 * first contact, first-touch ad, attributes and every conversation on any
 * number of the tenant) and `PATCH /api/leads/{id}` (an agent's name for the
 * lead and its key/value attributes → `lead_updated`, seq'd, then published).
 * Any agent of the tenant may edit a lead. Tenant from the token only: a lead
 * of another tenant answers 404 exactly like a missing one, and nothing changes.
 */
import { LEAD_LIMITS, type LeadDetail, type LeadListItem } from '@newton/protocol';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { TokenService } from '../auth/index.js';
import { type EventBus, type Logger, newtonError } from '../core/index.js';
import { publishCommitted } from '../pipeline/publish.js';
import type { LeadEdit, Store } from '../store/index.js';
import { invalid } from './admin-config-routes.js';
import { type ApiCaller, authenticateApi } from './api-auth.js';
import { traceOf } from './request.js';

export interface LeadRouteOptions {
  store: Store;
  tokens: TokenService;
  bus: EventBus;
  logger: Logger;
}

const security = [{ bearer: [] }];
/** Room for the largest valid patch (set and remove every key, values of multi-byte characters). */
const BODY_LIMIT = 512 * 1024;
/** A patch may remove every key and set as many: twice the limit of what a lead keeps. */
const MAX_PATCH_KEYS = LEAD_LIMITS.attributes * 2;

const params = {
  type: 'object',
  properties: { id: { type: 'string', minLength: 1, maxLength: 100 } },
  required: ['id'],
} as const;

// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it refuses
const CONTROL = /[\u0000-\u001f\u007f]/;
const noControl = (s: string) => !CONTROL.test(s);

const name = z
  .string()
  .max(LEAD_LIMITS.nameChars, `at most ${LEAD_LIMITS.nameChars} characters`)
  .refine(noControl, 'no control characters')
  .nullable();
const key = z
  .string()
  .refine((k) => k.trim().length > 0, 'a key is not blank')
  .refine(
    (k) => k.trim().length <= LEAD_LIMITS.keyChars,
    `a key has at most ${LEAD_LIMITS.keyChars} characters`,
  )
  .refine(noControl, 'a key has no control characters')
  .refine((k) => k.trim() !== '__proto__', 'this key is reserved');
const value = z
  .string()
  .min(1, 'a value is not empty (null removes the key)')
  .max(LEAD_LIMITS.valueChars, `a value has at most ${LEAD_LIMITS.valueChars} characters`)
  .nullable();
const patchBody = z
  .object({
    name: name.optional(),
    attributes: z
      .record(key, value)
      .refine((a) => Object.keys(a).length <= MAX_PATCH_KEYS, `at most ${MAX_PATCH_KEYS} keys in one patch`)
      .optional(),
  })
  .strict()
  .refine((b) => b.name !== undefined || b.attributes !== undefined, 'send name or attributes');

function caller(req: FastifyRequest): ApiCaller {
  if (!req.caller) throw newtonError('NEWTON_ERR_UNAUTHORIZED');
  return req.caller;
}

/** The validated body as a store edit: keys trimmed (a later duplicate wins). */
function toEdit(body: z.infer<typeof patchBody>): LeadEdit {
  const edit: LeadEdit = {};
  if (body.name !== undefined) edit.name = body.name;
  if (body.attributes) {
    const attrs = new Map<string, string | null>();
    for (const [k, v] of Object.entries(body.attributes)) attrs.set(k.trim(), v);
    edit.attributes = Object.fromEntries(attrs);
  }
  return edit;
}

export async function leadRoutes(app: FastifyInstance, opts: LeadRouteOptions): Promise<void> {
  const { store, tokens, bus, logger } = opts;
  app.addHook('onRequest', async (req) => {
    req.caller = await authenticateApi(req, tokens);
  });

  app.get(
    '/leads/:id',
    {
      schema: {
        tags: ['inbox'],
        summary: 'One lead with its first contact, ad attribution, attributes and every conversation',
        security,
        params,
      },
    },
    async (req): Promise<LeadDetail> => {
      const { id } = req.params as { id: string };
      const lead = await store.leadPanel.detail(caller(req).tenantId, id);
      if (!lead) throw newtonError('NEWTON_ERR_NOT_FOUND', 'no such lead');
      return lead;
    },
  );

  app.patch(
    '/leads/:id',
    {
      bodyLimit: BODY_LIMIT,
      schema: {
        tags: ['inbox'],
        summary: "Edit a lead: the agents' name for it and its key/value attributes (lead_updated)",
        description:
          '`name`: the name agents give the lead; it wins over the WhatsApp profile name (then sent as ' +
          "`profile_name`); null or blank removes it. `attributes`: merged into the lead's (JSON merge " +
          'patch): a string sets the key, null removes it. Limits: name ' +
          `${LEAD_LIMITS.nameChars} characters; keys ${LEAD_LIMITS.keyChars} characters (trimmed, not blank); ` +
          `values ${LEAD_LIMITS.valueChars} characters; ${LEAD_LIMITS.attributes} attributes per lead. ` +
          'Beyond them: 400 `invalid_request` and nothing changes.',
        security,
        params,
        body: {
          type: 'object',
          properties: {
            name: { type: ['string', 'null'], maxLength: LEAD_LIMITS.nameChars },
            attributes: {
              type: 'object',
              maxProperties: MAX_PATCH_KEYS,
              propertyNames: { minLength: 1, maxLength: LEAD_LIMITS.keyChars * 2 },
              additionalProperties: { type: ['string', 'null'], maxLength: LEAD_LIMITS.valueChars },
            },
          },
          maxProperties: 2,
        },
      },
    },
    async (req): Promise<LeadListItem> => {
      const c = caller(req);
      const { id } = req.params as { id: string };
      const parsed = patchBody.safeParse(req.body);
      if (!parsed.success) invalid(parsed.error);
      const result = await store.leadPanel.edit(c.tenantId, id, toEdit(parsed.data));
      if (result.outcome === 'not_found') throw newtonError('NEWTON_ERR_NOT_FOUND', 'no such lead');
      if (result.outcome === 'too_many') {
        throw newtonError(
          'NEWTON_ERR_INVALID_REQUEST',
          `attributes: a lead keeps at most ${LEAD_LIMITS.attributes} (this edit makes ${result.count})`,
        );
      }
      if (result.outcome === 'updated') {
        const trace = traceOf(req);
        const log = logger.child({ trace, tenant: c.tenantId, lead_id: id });
        log.info({ user: c.principal.userId, seq: result.events.map((e) => e.seq) }, 'lead edited');
        await publishCommitted(bus, result.events, trace, log);
      }
      return result.lead;
    },
  );
}
