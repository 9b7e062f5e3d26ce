/**
 * The diagnostics report (packages/protocol/src/diagnostics.ts) as a zod
 * schema for the OpenAPI document, checked at compile time to infer exactly
 * the protocol's `DiagnosticsReport` (see protocol-schemas.ts).
 */
import type { DiagnosticsReport } from '@newton/protocol';
import { z } from 'zod';
import { same } from './protocol-schemas.js';

const str = z.string();
const strOrNull = z.string().nullable();
const counts = z.record(z.string(), z.number());

const hop = z.object({
  id: str,
  title: str,
  ok: z.boolean().describe('false only for `fail`'),
  status: z.enum(['pass', 'warn', 'fail', 'skip']),
  detail: str,
  evidence: z.record(z.string(), z.unknown()),
  hint: strOrNull,
});

const instance = z.object({
  provider: str,
  name: str,
  number: strOrNull,
  apikey_set: z.boolean(),
  webhook_secret_set: z.boolean(),
});

const upstream = z.object({
  instance: str,
  provider: str,
  state: z.enum(['open', 'connecting', 'close', 'unknown']),
  reason: strOrNull,
  since: str,
  state_source: z.enum(['check', 'recorded']),
  webhook: z
    .object({
      ok: z.boolean(),
      expected_url: strOrNull,
      url: strOrNull,
      enabled: z.boolean().nullable(),
      events: z.array(str),
      problems: z.array(z.object({ code: str, detail: str, event: str.optional(), blocking: z.boolean() })),
    })
    .nullable(),
  webhook_note: strOrNull,
  last_webhook_at: strOrNull,
  usual_gap_ms: z.number().nullable(),
  recovered: z.number(),
  findings: z.array(z.object({ status: z.enum(['fail', 'warn']), code: str, detail: str, fix: str })),
});

export const Diagnostics = z.object({
  tenant_id: str,
  ok: z.boolean(),
  checked_at: str,
  node: str,
  hops: z.array(hop),
  instances: z.array(instance),
  upstream: z.array(upstream),
  webhooks: z.array(
    z.object({ instance_name: strOrNull, count: z.number(), last_at: strOrNull, outcomes: counts }),
  ),
  unroutable: z.array(
    z.object({
      received_at: str,
      provider: str,
      instance_name: strOrNull,
      outcome: str,
      reason: strOrNull,
      trace_id: str,
      tenant_id: strOrNull,
    }),
  ),
  bus: z.object({
    kind: str,
    ok: z.boolean(),
    round_trip_ms: z.number().nullable(),
    error: strOrNull,
    nodes: z.array(str),
  }),
  sockets: z.array(
    z.object({
      node: str,
      count: z.number(),
      users: z.array(str),
      channels: counts,
      last_frame_at: strOrNull,
    }),
  ),
});
same<DiagnosticsReport>()(Diagnostics, true);
