/**
 * REST for what an agent sends besides text (issue #15 §7-8): a file
 * (image, document, audio, voice note) uploaded as the raw body, a Cloud API
 * template with its variables, the number's approved templates, and a
 * conversation started with a phone number. Tenant from the token only; an
 * id of another tenant answers 404 exactly like a missing one. Bad input is
 * refused before anything is stored.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { TokenService } from '../auth/index.js';
import { newtonError, type OutboundMediaKind } from '../core/index.js';
import { normalizeWhatsAppNumber } from '../core/whatsapp/phone.js';
import type { OutboundService, TemplateCatalog } from '../pipeline/index.js';
import type { Store } from '../store/index.js';
import { type ApiCaller, authenticateApi } from './api-auth.js';
import { traceOf } from './request.js';
import { readUpload } from './upload-body.js';

/** A template and its variables, as both the template route and a new conversation take them. */
const TEMPLATE_FIELDS = {
  name: { type: 'string', minLength: 1, maxLength: 512 },
  language: { type: 'string', minLength: 2, maxLength: 15 },
  variables: {
    type: 'array',
    maxItems: 20,
    items: { type: 'string', minLength: 1, maxLength: 1024 },
  },
} as const;

export interface OutboundRouteOptions {
  store: Store;
  tokens: TokenService;
  outbound: OutboundService;
  templates: TemplateCatalog;
  /** OUTBOUND_MEDIA_MAX_BYTES. */
  maxBytes: number;
}

const security = [{ bearer: [] }];
const id = z.string().min(1).max(100);
const idParams = {
  type: 'object',
  properties: { id: { type: 'string', minLength: 1, maxLength: 100 } },
  required: ['id'],
} as const;

const mediaQuery = z
  .object({
    kind: z.enum(['image', 'document', 'audio', 'voice']),
    caption: z.string().max(1024).optional(),
    file_name: z.string().min(1).max(255).optional(),
    client_id: id.optional(),
    reply_to: id.optional(),
  })
  .strict();

const variables = z.array(z.string().min(1).max(1024)).max(20);
const templateBody = z
  .object({
    name: z.string().min(1).max(512),
    language: z.string().min(2).max(15),
    variables: variables.default([]),
    client_id: id.optional(),
  })
  .strict();

const startBody = z
  .object({
    instance_id: id,
    phone: z.string().min(7).max(20),
    text: z.string().min(1).max(4096).optional(),
    template: templateBody.omit({ client_id: true }).optional(),
    client_id: id.optional(),
  })
  .strict()
  .refine((b) => (b.text === undefined) !== (b.template === undefined), {
    message: 'give either text or template',
  });

function caller(req: FastifyRequest): ApiCaller {
  if (!req.caller) throw newtonError('NEWTON_ERR_UNAUTHORIZED');
  return req.caller;
}

function parse<T>(schema: z.ZodType<T>, value: unknown, where: string): T {
  const r = schema.safeParse(value ?? {});
  if (!r.success) {
    const first = r.error.issues[0];
    throw newtonError(
      'NEWTON_ERR_INVALID_REQUEST',
      `${where}/${first?.path.join('/') ?? ''}: ${first?.message ?? 'invalid'}`,
    );
  }
  return r.data;
}

export async function outboundRoutes(app: FastifyInstance, opts: OutboundRouteOptions): Promise<void> {
  const { outbound, store, templates } = opts;
  app.addHook('onRequest', async (req) => {
    req.caller = await authenticateApi(req, opts.tokens);
  });
  // Any content type reaches the media route as a stream; readUpload bounds it.
  app.addContentTypeParser('*', (_req, payload, done) => done(null, payload));
  app.removeContentTypeParser('text/plain');
  app.addContentTypeParser('text/plain', (_req, payload, done) => done(null, payload));

  app.post(
    '/conversations/:id/media',
    {
      schema: {
        tags: ['inbox'],
        summary: 'Send a file: image, document, audio or voice note (the raw bytes as the body)',
        description:
          'The body is the file itself, with its `Content-Type` (image/jpeg, image/png; application/pdf, ' +
          'Office, text/plain; audio/ogg, audio/mpeg, audio/mp4, audio/aac, audio/amr). Its bytes must be what ' +
          'that type says (422 `media_type_mismatch`); larger than OUTBOUND_MEDIA_MAX_BYTES: 413 ' +
          '`media_too_large`. Kept in the media store, sent through Evolution `sendMedia` / ' +
          '`sendWhatsAppAudio` (voice) or the Cloud API (upload, then send); ticks as for text.',
        security,
        params: idParams,
        querystring: {
          type: 'object',
          properties: {
            kind: { type: 'string', enum: ['image', 'document', 'audio', 'voice'] },
            caption: { type: 'string', maxLength: 1024 },
            file_name: { type: 'string', minLength: 1, maxLength: 255 },
            client_id: { type: 'string', minLength: 1, maxLength: 100 },
            reply_to: {
              type: 'string',
              minLength: 1,
              maxLength: 100,
              description: 'id of the quoted message',
            },
          },
          required: ['kind'],
          additionalProperties: false,
        },
      },
    },
    async (req, reply) => {
      const c = caller(req);
      const { id: conversationId } = req.params as { id: string };
      const q = parse(mediaQuery, req.query, 'querystring');
      const bytes = await readUpload(req, opts.maxBytes);
      const answer = await outbound.reply(
        {
          tenantId: c.tenantId,
          userId: c.principal.userId,
          conversationId,
          text: q.caption?.trim() ?? '',
          clientId: q.client_id ?? null,
          replyTo: q.reply_to ?? null,
          upload: {
            kind: q.kind as OutboundMediaKind,
            declaredType: String(req.headers['content-type'] ?? ''),
            bytes,
            fileName: q.file_name ?? null,
          },
        },
        traceOf(req),
      );
      return reply.code(answer.created ? 201 : 200).send({ message: answer.message });
    },
  );

  app.post(
    '/conversations/:id/template',
    {
      bodyLimit: 32 * 1024,
      schema: {
        tags: ['inbox'],
        summary:
          'Send an approved Cloud API template with its variables (also when the 24-hour window is closed)',
        security,
        params: idParams,
        body: {
          type: 'object',
          properties: {
            ...TEMPLATE_FIELDS,
            client_id: { type: 'string', minLength: 1, maxLength: 100 },
          },
          required: ['name', 'language'],
          additionalProperties: false,
        },
      },
    },
    async (req, reply) => {
      const c = caller(req);
      const { id: conversationId } = req.params as { id: string };
      const b = parse(templateBody, req.body, 'body');
      const answer = await outbound.reply(
        {
          tenantId: c.tenantId,
          userId: c.principal.userId,
          conversationId,
          text: '',
          clientId: b.client_id ?? null,
          template: { name: b.name, language: b.language, variables: b.variables },
        },
        traceOf(req),
      );
      return reply.code(answer.created ? 201 : 200).send({ message: answer.message });
    },
  );

  app.get(
    '/instances/:id/templates',
    {
      schema: {
        tags: ['inbox'],
        summary: "The number's approved message templates (Cloud API; cached per TEMPLATES_CACHE_TTL_MS)",
        security,
        params: idParams,
      },
    },
    async (req) => {
      const c = caller(req);
      const { id: instanceId } = req.params as { id: string };
      const instance = await store.admin.getInstance(instanceId);
      if (!instance || instance.tenantId !== c.tenantId)
        throw newtonError('NEWTON_ERR_NOT_FOUND', 'no such number');
      return { items: await templates.list(instance) };
    },
  );

  app.post(
    '/conversations',
    {
      bodyLimit: 32 * 1024,
      schema: {
        tags: ['inbox'],
        summary: 'Start a conversation with a phone number: its first message (a template on the Cloud API)',
        description:
          '`{instance_id, phone, text}` or `{instance_id, phone, template: {name, language, variables}}`. ' +
          'The lead and conversation are found by phone or created. On a Cloud API number the customer has ' +
          'not written to, only a template may go first (409 `reply_window_closed` for text).',
        security,
        body: {
          type: 'object',
          properties: {
            instance_id: { type: 'string', minLength: 1, maxLength: 100 },
            phone: { type: 'string', minLength: 7, maxLength: 20, description: 'E.164, e.g. +573001234567' },
            text: { type: 'string', minLength: 1, maxLength: 4096 },
            template: {
              type: 'object',
              properties: {
                ...TEMPLATE_FIELDS,
              },
              required: ['name', 'language'],
              additionalProperties: false,
            },
            client_id: { type: 'string', minLength: 1, maxLength: 100 },
          },
          required: ['instance_id', 'phone'],
          additionalProperties: false,
        },
      },
    },
    async (req, reply) => {
      const c = caller(req);
      const b = parse(startBody, req.body, 'body');
      if (b.text !== undefined && b.text.trim() === '')
        throw newtonError('NEWTON_ERR_INVALID_REQUEST', 'body/text is blank');
      const phone = /^\+?[\d\s().-]+$/.test(b.phone)
        ? normalizeWhatsAppNumber(b.phone.replace(/[\s().-]/g, ''))
        : null;
      if (!phone)
        throw newtonError(
          'NEWTON_ERR_INVALID_REQUEST',
          'body/phone: not a phone number (E.164, 7-15 digits)',
        );
      const instance = await store.admin.getInstance(b.instance_id);
      if (!instance || instance.tenantId !== c.tenantId)
        throw newtonError('NEWTON_ERR_NOT_FOUND', 'no such number');
      const answer = await outbound.start(
        {
          tenantId: c.tenantId,
          userId: c.principal.userId,
          instance,
          phone,
          text: b.text ?? '',
          clientId: b.client_id ?? null,
          ...(b.template ? { template: { ...b.template, variables: b.template.variables ?? [] } } : {}),
        },
        traceOf(req),
      );
      const conversation = await store.inbox.getConversation(c.tenantId, answer.message.conversation_id);
      return reply.code(answer.created ? 201 : 200).send({ conversation, message: answer.message });
    },
  );
}
