/**
 * The response schemas of every route, in one table keyed by `METHOD /path`,
 * attached when the route is registered (`installResponseSchemas`). They make
 * the OpenAPI document at `/docs/json` typed (a generated client knows each
 * answer), and they never change an answer: responses are serialized with
 * JSON.stringify, not by the schema (fast-json-stringify would drop any field
 * a schema does not list). The OpenAPI test fails on a route left out here.
 */
import type { FastifyInstance, FastifySchema } from 'fastify';
import { z } from 'zod';
import {
  backfillSummary,
  diagnosticsReport,
  errorBody,
  healthAnswer,
  instanceAnswer,
  instanceCreated,
  type JsonSchema,
  jsonSchema,
  listOf,
  probeAnswer,
  readinessAnswer,
  removedAnswer,
  tenantAnswer,
  webhookAnswer,
  wiringAnswer,
} from './answer-schemas.js';
import { LeadDetailAnswer } from './lead-schemas.js';
import {
  AdminUserItem,
  AssignmentSettingsAnswer,
  Conversation,
  ConversationReply,
  ConversationStarted,
  InstanceStatus,
  LabelItems,
  LabelReply,
  LeadItem,
  LoginAnswer,
  MeAnswer,
  Message,
  MessageReply,
  Note,
  NoteReply,
  page,
  TemplateList,
  UserList,
} from './protocol-schemas.js';

type Responses = Record<string, JsonSchema>;

const errors: Responses = { '4xx': errorBody, '5xx': errorBody };
const ok = (schema: JsonSchema, status = 200): Responses => ({ [status]: schema, ...errors });
const noContent = { type: 'null', description: 'No content' };
const text = (description: string): JsonSchema => ({
  description,
  content: { 'text/plain': { schema: { type: 'string' } } },
});
const bytes = (description: string): JsonSchema => ({
  description,
  content: { '*/*': { schema: { type: 'string', format: 'binary' } } },
});

const conversation = jsonSchema(Conversation, 'A conversation');
const messageReply = jsonSchema(MessageReply, 'The reply as stored');
const webhook: Responses = {
  200: webhookAnswer,
  202: webhookAnswer,
  '4xx': {
    description: 'Rejected (a webhook answer with `error` and `reason`) or refused before the handler ran',
    anyOf: [webhookAnswer, errorBody],
  },
  '5xx': errorBody,
};

/** `METHOD /path` (Fastify's route syntax) → its responses by status. */
export const RESPONSES: Record<string, Responses> = {
  'GET /healthz': { 200: healthAnswer },
  'GET /readyz': { 200: readinessAnswer, 503: readinessAnswer },
  'GET /metrics': { 200: text('Prometheus text exposition of this node') },

  'GET /api/me': ok(jsonSchema(MeAnswer, 'Who the token speaks for')),
  'GET /api/conversations': ok(jsonSchema(page(Conversation), 'A page of conversations')),
  'GET /api/conversations/:id': ok(conversation),
  'GET /api/conversations/:id/messages': ok(jsonSchema(page(Message), 'A page of messages, newest first')),
  'GET /api/leads': ok(jsonSchema(page(LeadItem), 'A page of leads')),
  'GET /api/leads/:id': ok(jsonSchema(LeadDetailAnswer, 'A lead with its conversations (lead panel)')),
  'PATCH /api/leads/:id': ok(jsonSchema(LeadItem, 'The lead as it is now (also sent as lead_updated)')),
  'GET /api/instances': ok(
    listOf(jsonSchema(InstanceStatus), "The tenant's WhatsApp numbers and their state at the provider"),
  ),
  'POST /api/conversations/:id/messages': {
    201: { ...messageReply, description: 'The reply, stored as pending and on its way' },
    200: { ...messageReply, description: 'A reply with this client_id was sent before: that one' },
    ...errors,
  },
  'POST /api/messages/:id/retry': ok(messageReply),
  'POST /api/conversations/:id/media': {
    201: { ...messageReply, description: 'The file reply, stored as pending and on its way' },
    200: { ...messageReply, description: 'A reply with this client_id was sent before: that one' },
    ...errors,
  },
  'POST /api/conversations/:id/template': {
    201: { ...messageReply, description: 'The template message, stored as pending and on its way' },
    200: { ...messageReply, description: 'A reply with this client_id was sent before: that one' },
    ...errors,
  },
  'GET /api/instances/:id/templates': ok(jsonSchema(TemplateList, "The number's approved templates")),
  'POST /api/conversations': {
    201: jsonSchema(ConversationStarted, 'The conversation and its first message, pending'),
    200: jsonSchema(ConversationStarted, 'A message with this client_id was sent before: that one'),
    ...errors,
  },
  'POST /api/conversations/:id/read': ok(jsonSchema(ConversationReply, 'The conversation, now read')),
  'POST /api/conversations/:id/status': ok(jsonSchema(ConversationReply, 'The conversation with its status')),
  'GET /api/conversations/:id/notes': ok(jsonSchema(page(Note), 'A page of notes, newest first')),
  'POST /api/conversations/:id/notes': ok(
    jsonSchema(NoteReply, 'The note as stored, and the conversation'),
    201,
  ),
  'POST /api/conversations/:id/labels': ok(jsonSchema(ConversationReply, 'The conversation with its labels')),
  'DELETE /api/conversations/:id/labels/:labelId': ok(
    jsonSchema(ConversationReply, 'The conversation with its labels'),
  ),
  'GET /api/labels': ok(jsonSchema(LabelItems, "The tenant's labels")),
  'POST /api/labels': ok(jsonSchema(LabelReply, 'The label as stored'), 201),
  'PATCH /api/labels/:id': ok(jsonSchema(LabelReply, 'The label as stored')),
  'DELETE /api/labels/:id': { 204: noContent, ...errors },
  'GET /api/messages/:id/media': {
    200: bytes("The media file, with the message's content type"),
    206: bytes('The requested byte range'),
    ...errors,
  },
  'GET /api/users': ok(jsonSchema(UserList, "The tenant's users, by name")),
  'PUT /api/conversations/:id/assignee': ok(
    jsonSchema(ConversationReply, 'The conversation, as assigned now'),
  ),
  'GET /api/admin/users': ok(jsonSchema(z.object({ items: z.array(AdminUserItem) }), "The tenant's users")),
  'POST /api/admin/users': ok(jsonSchema(AdminUserItem, 'The user, created'), 201),
  'GET /api/admin/users/:id': ok(jsonSchema(AdminUserItem, 'A user')),
  'PATCH /api/admin/users/:id': ok(jsonSchema(AdminUserItem, 'The user, changed')),
  'GET /api/admin/settings/assignment': ok(jsonSchema(AssignmentSettingsAnswer, 'The assignment settings')),
  'PUT /api/admin/settings/assignment': ok(jsonSchema(AssignmentSettingsAnswer, 'The assignment settings')),
  'POST /api/login/exchange': ok(jsonSchema(LoginAnswer, 'An admin token for the tenant')),

  'GET /api/admin/tenants': ok(listOf(tenantAnswer, 'The tenants this admin token names')),
  'POST /api/admin/tenants': ok(tenantAnswer, 201),
  'GET /api/admin/tenants/:id/instances': ok(listOf(instanceAnswer, "The tenant's instances")),
  'POST /api/admin/tenants/:id/instances': ok(instanceCreated, 201),
  'DELETE /api/admin/tenants/:id/instances/:instanceId': { 204: noContent, ...ok(removedAnswer) },
  'PATCH /api/admin/instances/:id': ok(instanceAnswer),
  'DELETE /api/admin/instances/:id': { 204: noContent, ...ok(removedAnswer) },
  'GET /api/admin/instances/:id/webhook': ok(wiringAnswer),
  'POST /api/admin/instances/:id/webhook': ok(wiringAnswer),
  'POST /api/admin/backfill': ok(backfillSummary),
  'GET /api/admin/diagnostics': ok(diagnosticsReport),
  'POST /api/admin/diagnostics/probe': ok(probeAnswer),

  'POST /webhooks/evolution': webhook,
  'POST /webhooks/evolution/:event': webhook,
  'GET /webhooks/whatsapp': { 200: text('hub.challenge, echoed'), ...errors },
  'POST /webhooks/whatsapp': webhook,
};

/**
 * Gives each route registered after this call its entry of `RESPONSES` (a
 * route's own `schema.response` wins), and serializes answers with
 * JSON.stringify so a schema documents an answer without reshaping it.
 */
export function installResponseSchemas(app: FastifyInstance): void {
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    const response = methods.map((m) => RESPONSES[`${m} ${route.url}`]).find(Boolean);
    if (!response) return;
    const schema: FastifySchema = route.schema ?? {};
    route.schema = { ...schema, response: schema.response ?? response };
  });
}
