/**
 * REST for the agents' triage of conversations (#15, docs/api.md §2.9):
 * status, internal notes, labels on a conversation, and the tenant's label
 * catalogue (admin-only changes). Tenant from the token only: a conversation
 * or label of another tenant answers exactly like a missing one, and nothing
 * is stored.
 */
import type { ConversationStatus } from '@newton/protocol';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { TokenService } from '../auth/index.js';
import { newtonError } from '../core/index.js';
import type { TriageService } from '../pipeline/index.js';
import { InvalidCursorError, type Store } from '../store/index.js';
import { invalid } from './admin-config-routes.js';
import { type ApiCaller, authenticateApi } from './api-auth.js';
import { traceOf } from './request.js';

export interface TriageRouteOptions {
  store: Store;
  tokens: TokenService;
  triage: TriageService;
}

/** Longest note (as a reply's text). */
export const MAX_NOTE_CHARS = 4096;
/** Longest snooze: a year. */
const MAX_SNOOZE_MS = 366 * 24 * 3600 * 1000;
const BODY_LIMIT = 16 * 1024;

const security = [{ bearer: [] }];
const ID = { type: 'string', minLength: 1, maxLength: 100 } as const;
const idParams = { type: 'object', properties: { id: ID }, required: ['id'] } as const;
const STATUSES = ['open', 'pending', 'resolved', 'snoozed', 'closed'] as const;
const COLOR = /^#[0-9a-fA-F]{6}$/;

const statusBody = z
  .object({
    status: z.enum(STATUSES),
    snoozed_until: z.iso.datetime({ offset: true }).optional(),
  })
  .strict();
const noteBody = z.object({ text: z.string().min(1).max(MAX_NOTE_CHARS) }).strict();
const labelRef = z.object({ label_id: z.string().min(1).max(100) }).strict();
const labelName = z
  .string()
  .trim()
  .min(1)
  .max(50)
  .refine((s) => ![...s].some((ch) => ch.charCodeAt(0) < 0x20), 'must not contain control characters');
const labelColor = z.string().regex(COLOR, 'must be #rrggbb');
const labelCreate = z.object({ name: labelName, color: labelColor }).strict();
const labelPatch = z
  .object({ name: labelName.optional(), color: labelColor.optional() })
  .strict()
  .refine((b) => b.name !== undefined || b.color !== undefined, 'send name or color');

function caller(req: FastifyRequest): ApiCaller {
  if (!req.caller) throw newtonError('NEWTON_ERR_UNAUTHORIZED');
  return req.caller;
}

function admin(req: FastifyRequest): ApiCaller {
  const c = caller(req);
  if (c.principal.role !== 'admin') {
    throw newtonError('NEWTON_ERR_FORBIDDEN', "admin role required to change the tenant's labels");
  }
  return c;
}

function parse<T>(schema: z.ZodType<T>, body: unknown): T {
  const parsed = schema.safeParse(body ?? {});
  if (!parsed.success) invalid(parsed.error);
  return parsed.data;
}

/** The status and snooze time a status body asks for (`closed` is `resolved`). */
function statusOf(body: z.infer<typeof statusBody>, now: number): [ConversationStatus, number | null] {
  const status: ConversationStatus = body.status === 'closed' ? 'resolved' : body.status;
  if (status !== 'snoozed') {
    if (body.snoozed_until !== undefined) {
      throw newtonError('NEWTON_ERR_INVALID_REQUEST', 'snoozed_until: only with status snoozed');
    }
    return [status, null];
  }
  if (body.snoozed_until === undefined) {
    throw newtonError('NEWTON_ERR_INVALID_REQUEST', 'snoozed_until: required with status snoozed');
  }
  const until = Date.parse(body.snoozed_until);
  if (!(until > now)) throw newtonError('NEWTON_ERR_INVALID_REQUEST', 'snoozed_until: must be in the future');
  if (until - now > MAX_SNOOZE_MS) {
    throw newtonError('NEWTON_ERR_INVALID_REQUEST', 'snoozed_until: at most a year ahead');
  }
  return [status, until];
}

export async function triageRoutes(app: FastifyInstance, opts: TriageRouteOptions): Promise<void> {
  const { store, tokens, triage } = opts;
  app.addHook('onRequest', async (req) => {
    req.caller = await authenticateApi(req, tokens);
  });

  app.post(
    '/conversations/:id/status',
    {
      bodyLimit: BODY_LIMIT,
      schema: {
        tags: ['inbox'],
        summary: 'Set the status: open, pending, resolved (alias closed) or snoozed until a time',
        security,
        params: idParams,
        body: {
          type: 'object',
          properties: {
            status: { type: 'string', enum: [...STATUSES] },
            snoozed_until: {
              type: 'string',
              description:
                'ISO-8601 time, in the future (≤ 1 year); required with snoozed, refused otherwise',
            },
          },
          required: ['status'],
        },
      },
    },
    async (req) => {
      const c = caller(req);
      const { id } = req.params as { id: string };
      const [status, until] = statusOf(parse(statusBody, req.body), Date.now());
      return { conversation: await triage.setStatus(c.tenantId, id, status, until, traceOf(req)) };
    },
  );

  app.get(
    '/conversations/:id/notes',
    {
      schema: {
        tags: ['inbox'],
        summary: "A conversation's internal notes, newest first",
        security,
        params: idParams,
        querystring: {
          type: 'object',
          properties: {
            limit: { type: 'integer', minimum: 1, maximum: 200, default: 50 },
            cursor: { type: 'string', maxLength: 512 },
          },
          additionalProperties: false,
        },
      },
    },
    async (req) => {
      const tenantId = caller(req).tenantId;
      const { id } = req.params as { id: string };
      if (!(await store.inbox.getConversation(tenantId, id))) {
        throw newtonError('NEWTON_ERR_NOT_FOUND', 'no such conversation');
      }
      const q = req.query as { limit: number; cursor?: string };
      try {
        return await store.notes.list(tenantId, id, q);
      } catch (err) {
        if (err instanceof InvalidCursorError) throw newtonError('NEWTON_ERR_INVALID_CURSOR', err.message);
        throw err;
      }
    },
  );

  app.post(
    '/conversations/:id/notes',
    {
      bodyLimit: BODY_LIMIT,
      schema: {
        tags: ['inbox'],
        summary: 'Write an internal note: stored and sent to agents (note_added), never to the customer',
        security,
        params: idParams,
        body: {
          type: 'object',
          properties: { text: { type: 'string', minLength: 1, maxLength: MAX_NOTE_CHARS } },
          required: ['text'],
        },
      },
    },
    async (req, reply) => {
      const c = caller(req);
      const { id } = req.params as { id: string };
      const { text } = parse(noteBody, req.body);
      if (text.trim() === '') throw newtonError('NEWTON_ERR_INVALID_REQUEST', 'text: is blank');
      const answer = await triage.addNote(c.tenantId, id, c.principal.userId, text, traceOf(req));
      return reply.code(201).send(answer);
    },
  );

  app.post(
    '/conversations/:id/labels',
    {
      bodyLimit: BODY_LIMIT,
      schema: {
        tags: ['inbox'],
        summary: "Put one of the tenant's labels on a conversation (422 unknown_label for any other id)",
        security,
        params: idParams,
        body: { type: 'object', properties: { label_id: ID }, required: ['label_id'] },
      },
    },
    async (req) => {
      const c = caller(req);
      const { id } = req.params as { id: string };
      const { label_id } = parse(labelRef, req.body);
      return { conversation: await triage.setLabel(c.tenantId, id, label_id, true, traceOf(req)) };
    },
  );

  app.delete(
    '/conversations/:id/labels/:labelId',
    {
      schema: {
        tags: ['inbox'],
        summary: 'Take a label off a conversation',
        security,
        params: { type: 'object', properties: { id: ID, labelId: ID }, required: ['id', 'labelId'] },
      },
    },
    async (req) => {
      const c = caller(req);
      const { id, labelId } = req.params as { id: string; labelId: string };
      return { conversation: await triage.setLabel(c.tenantId, id, labelId, false, traceOf(req)) };
    },
  );

  app.get(
    '/labels',
    { schema: { tags: ['inbox'], summary: "The tenant's labels, by name", security } },
    async (req) => ({ items: await store.labels.list(caller(req).tenantId) }),
  );

  const labelFields = {
    name: { type: 'string', minLength: 1, maxLength: 50 },
    color: { type: 'string', pattern: '^#[0-9a-fA-F]{6}$', description: '#rrggbb' },
  };

  app.post(
    '/labels',
    {
      bodyLimit: BODY_LIMIT,
      schema: {
        tags: ['inbox'],
        summary: 'Create a label (admin; 403 forbidden for agents; 409 label_exists for a name in use)',
        security,
        body: { type: 'object', properties: labelFields, required: ['name', 'color'] },
      },
    },
    async (req, reply) => {
      const c = admin(req);
      const body = parse(labelCreate, req.body);
      const label = await triage.createLabel(c.tenantId, body.name, body.color, traceOf(req));
      return reply.code(201).send({ label });
    },
  );

  app.patch(
    '/labels/:id',
    {
      bodyLimit: BODY_LIMIT,
      schema: {
        tags: ['inbox'],
        summary: 'Rename or recolour a label (admin); conversations carrying it are updated',
        security,
        params: idParams,
        body: { type: 'object', properties: labelFields },
      },
    },
    async (req) => {
      const c = admin(req);
      const { id } = req.params as { id: string };
      const body = parse(labelPatch, req.body);
      const patch = {
        ...(body.name !== undefined ? { name: body.name } : {}),
        ...(body.color !== undefined ? { color: body.color } : {}),
      };
      return { label: await triage.updateLabel(c.tenantId, id, patch, traceOf(req)) };
    },
  );

  app.delete(
    '/labels/:id',
    {
      schema: {
        tags: ['inbox'],
        summary: 'Delete a label (admin); it comes off every conversation',
        security,
        params: idParams,
      },
    },
    async (req, reply) => {
      const c = admin(req);
      const { id } = req.params as { id: string };
      await triage.removeLabel(c.tenantId, id, traceOf(req));
      return reply.code(204).send();
    },
  );
}
