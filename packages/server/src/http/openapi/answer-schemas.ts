/**
 * JSON Schemas of every answer body, for the OpenAPI document: the protocol's
 * answers (protocol-schemas.ts, checked against its types), the admin and
 * operations answers, the webhook answer and the error body.
 */
import { z } from 'zod';
import type { BackfillSummary } from '../../upstream/backfill-types.js';
import { Diagnostics } from './diagnostics-schemas.js';
import { Probe, same } from './protocol-schemas.js';

export type JsonSchema = Record<string, unknown>;

/** Drops `additionalProperties: false` (answers may grow fields) and `$schema`. */
function open(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(open);
  if (node === null || typeof node !== 'object') return node;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(node)) {
    if (k === '$schema' || (k === 'additionalProperties' && v === false)) continue;
    out[k] = open(v);
  }
  return out;
}

/** A zod schema as the JSON Schema (2020-12, as OpenAPI 3.1 reads it) of what the server sends. */
export function jsonSchema(schema: z.ZodType, description?: string): JsonSchema {
  const json = open(z.toJSONSchema(schema, { io: 'output', unrepresentable: 'any' })) as JsonSchema;
  return description ? { ...json, description } : json;
}

/** Every error: `{error, message, …details}` (docs/api.md §3, "Errors"). */
export const errorBody: JsonSchema = {
  type: 'object',
  description: 'An error (docs/api.md §3)',
  properties: {
    error: {
      type: 'string',
      description:
        'stable code of the error table, e.g. `not_found`, `unauthorized`; some codes add fields (`instance_in_use`: `conversations`, `messages`)',
    },
    message: { type: 'string' },
  },
  required: ['error', 'message'],
  additionalProperties: true,
};

/** An object whose listed fields are documented and whose other fields may vary. */
function loose(properties: Record<string, z.ZodType>, description: string): JsonSchema {
  return { ...jsonSchema(z.object(properties), description), additionalProperties: true };
}

const iso = z.string().describe('ISO-8601 time');
const items = z.array(z.record(z.string(), z.unknown()));

export const tenantAnswer = jsonSchema(
  z.object({ id: z.string(), name: z.string().nullable(), created_at: iso, last_seq: z.number().int() }),
  'A tenant',
);

const instanceFields = {
  id: z.string(),
  provider: z.enum(['evolution', 'cloud']),
  name: z.string().describe('Evolution: the instance name; Cloud API: the phone_number_id'),
  number: z.string().nullable().describe('E.164 with +'),
  base_url: z.string().nullable(),
  apikey_set: z.boolean(),
  webhook_secret_set: z.boolean(),
  app_secret_set: z.boolean(),
  verify_token_set: z.boolean(),
  created_at: iso,
};
export const instanceAnswer = jsonSchema(
  z.object(instanceFields),
  'An instance: secrets only as *_set flags',
);
export const instanceCreated = jsonSchema(
  z.object({ ...instanceFields, warnings: z.array(z.string()) }),
  'The instance added, and what the admin should know',
);
export const listOf = (item: JsonSchema, description: string): JsonSchema => ({
  type: 'object',
  description,
  properties: { items: { type: 'array', items: item } },
  required: ['items'],
});
export const removedAnswer = jsonSchema(
  z.object({ removed: z.object({ conversations: z.number().int(), messages: z.number().int() }) }),
  'With ?purge=true: how many conversations and messages went with the instance',
);

const webhookCheck = z
  .object({
    ok: z.boolean(),
    expected_url: z.string(),
    current: z
      .object({
        enabled: z.boolean(),
        url: z.string().nullable(),
        events: z.array(z.string()),
        by_events: z.boolean(),
        header_names: z.array(z.string()),
      })
      .nullable(),
    problems: z.array(z.string()),
  })
  .nullable();
export const wiringAnswer = loose(
  {
    instance_id: z.string(),
    expected: z.object({
      url: z.string(),
      events: z.array(z.string()),
      by_events: z.boolean(),
      header_names: z.array(z.string()),
    }),
    before: webhookCheck,
    after: webhookCheck,
    changed: z.boolean(),
  },
  "Evolution's webhook settings for the instance: what Newton expects, before and after (problem codes in `problems`)",
);

const Backfill = z.object({
  pages: z.number().int(),
  seen: z.number().int(),
  recovered: z.number().int(),
  already_had: z.number().int(),
  invalid: z.number().int(),
  ignored: z.number().int(),
  errors: z.number().int(),
  ok: z.boolean(),
  tenant_id: z.string(),
  instance: z.string().nullable(),
  instances: z.array(z.string()),
  trigger: z.enum(['demand', 'open', 'start', 'periodic', 'silent']),
  since: iso,
  until: iso,
  error: z.object({ code: z.string(), message: z.string(), instance: z.string().optional() }).nullable(),
  holder: z.string().optional(),
  notices: z.array(z.string()),
  duration_ms: z.number(),
});
same<BackfillSummary>()(Backfill, true);
export const backfillSummary = jsonSchema(
  Backfill,
  'What a backfill run read and recovered (with `Accept: application/x-ndjson`: progress lines, then this with `type: "summary"`)',
);

export const diagnosticsReport = jsonSchema(
  Diagnostics,
  "Every hop of the tenant's message path with evidence and hints (what `newton doctor` prints; docs/operations.md)",
);
export const probeAnswer = jsonSchema(Probe, 'The probe webhook and what became of it');

export const webhookAnswer = loose(
  {
    ok: z.boolean(),
    outcome: z.enum(['accepted', 'duplicate', 'ignored', 'unroutable', 'rejected', 'account', 'batch']),
    trace_id: z.string(),
    message_id: z.string().optional(),
    conversation_id: z.string().optional(),
    seq: z.array(z.number().int()).optional().describe('seqs of the events written'),
    reason: z.string().optional(),
    error: z.string().optional(),
    items: items.optional().describe('outcome `batch`: one answer per item'),
  },
  'A webhook answer (docs/api.md §1.4): 200 accepted/duplicate/ignored, 202 unroutable, 400/401 rejected',
);

export const healthAnswer = loose({ status: z.literal('ok'), node: z.string() }, 'The process is alive');
export const readinessAnswer = loose(
  { status: z.string(), node: z.string(), checks: z.record(z.string(), z.unknown()) },
  'Readiness: `status` and one check per dependency (database, bus)',
);
