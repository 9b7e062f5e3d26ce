/**
 * The OpenAPI document at `/docs/json` is typed (#14): every operation has a
 * response schema for its success status, and a TypeScript client generated
 * from it (openapi-typescript) type-checks calls the way docs/api.md
 * describes the answers — and refuses a field that does not exist.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import openapiTS, { astToString } from 'openapi-typescript';
import ts from 'typescript';
import { TestNewton } from '../../testing/harness.js';

interface Operation {
  responses?: Record<string, { description?: string; content?: Record<string, { schema?: unknown }> }>;
}

let t: TestNewton;
let doc: { openapi: string; paths: Record<string, Record<string, Operation>> };
let dir: string;

before(async () => {
  t = await TestNewton.start();
  const res = await fetch(`${t.url}/docs/json`);
  assert.equal(res.status, 200);
  doc = (await res.json()) as typeof doc;
  dir = mkdtempSync(path.join(tmpdir(), 'newton-openapi-'));
});
after(async () => {
  await t?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('every operation documents its success answer: no "Default Response" left', () => {
  const operations = Object.entries(doc.paths).flatMap(([p, ops]) =>
    Object.entries(ops).map(([method, op]) => ({ name: `${method.toUpperCase()} ${p}`, op })),
  );
  assert.ok(operations.length >= 30, `only ${operations.length} operations`);
  const untyped: string[] = [];
  for (const { name, op } of operations) {
    const responses = Object.entries(op.responses ?? {});
    const success = responses.filter(([status]) => /^2\d\d$/.test(status));
    const typed = success.some(
      ([status, r]) => status === '204' || Object.values(r.content ?? {}).some((c) => c.schema !== undefined),
    );
    if (!typed || responses.some(([, r]) => r.description === 'Default Response')) untyped.push(name);
  }
  assert.deepEqual(untyped, [], 'operations without a typed success answer');
  assert.ok(doc.paths['/api/me']?.get?.responses?.['4XX'], 'errors are documented');
});

/** Calls a CRM would write against the generated types; each wrong one is marked. */
const USAGE = `
import type { paths } from './newton-api.js';

type Get<P extends keyof paths> = paths[P] extends { get: { responses: { 200: { content: { 'application/json': infer A } } } } } ? A : never;

async function get<P extends keyof paths>(base: string, path: P, token: string): Promise<Get<P>> {
  const res = await fetch(base + String(path), { headers: { authorization: 'Bearer ' + token } });
  return (await res.json()) as Get<P>;
}

export async function inbox(base: string, token: string): Promise<string[]> {
  const me = await get(base, '/api/me', token);
  const role: 'agent' | 'admin' = me.role;
  const page = await get(base, '/api/conversations', token);
  const cursor: string | null = page.next_cursor;
  const lines: string[] = [role, String(cursor)];
  for (const c of page.items) {
    const unread: number = c.unread_count;
    const name: string | null = c.lead.name;
    const status: 'open' | 'pending' | 'resolved' | 'snoozed' = c.status;
    lines.push(\`\${name ?? c.lead.phone}: \${unread} \${status}\`);
    // @ts-expect-error the field is unread_count
    lines.push(String(c.unread));
  }
  const msgs = await get(base, '/api/conversations/{id}/messages', token);
  for (const m of msgs.items) {
    const s: 'pending' | 'sent' | 'delivered' | 'read' | 'failed' = m.status;
    const mime: string | null | undefined = m.media?.mime_type;
    lines.push(s, String(mime), m.reactions?.[0]?.emoji ?? '');
    // @ts-expect-error status is a string union, not a number
    const wrong: number = m.status;
    lines.push(String(wrong));
  }
  const instances = await get(base, '/api/instances', token);
  const state: 'open' | 'connecting' | 'close' | 'unknown' | undefined = instances.items[0]?.state;
  lines.push(String(state));
  return lines;
}

type Reply = paths['/api/conversations/{id}/messages']['post'];
export const body: NonNullable<Reply['requestBody']>['content']['application/json'] = { text: 'hi', client_id: 'k1' };
export type Created = Reply['responses'][201]['content']['application/json']['message']['status'];
type ErrorBody = paths['/api/me']['get']['responses']['4XX']['content']['application/json'];
export const code = (e: ErrorBody): string => e.error + ': ' + e.message;
type Webhook = paths['/webhooks/evolution']['post']['responses'][200]['content']['application/json'];
export const outcome = (w: Webhook): string => w.outcome + w.trace_id;
`;

test('a client generated with openapi-typescript type-checks calls against the answers', async () => {
  const types = astToString(await openapiTS(doc as unknown as Parameters<typeof openapiTS>[0]));
  writeFileSync(path.join(dir, 'newton-api.ts'), types);
  const usage = path.join(dir, 'usage.ts');
  writeFileSync(usage, USAGE);
  const program = ts.createProgram([usage], {
    strict: true,
    noEmit: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    lib: ['lib.es2022.d.ts', 'lib.dom.d.ts'],
    types: [],
    skipLibCheck: true,
  });
  const errors = ts
    .getPreEmitDiagnostics(program)
    .map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
  assert.deepEqual(errors, [], 'the generated client does not type-check');
  // The check can fail: a status the protocol does not have is an error.
  writeFileSync(usage, `${USAGE}\nexport const nope: Created = 'queued';\n`);
  const broken = ts.getPreEmitDiagnostics(ts.createProgram([usage], program.getCompilerOptions()));
  assert.match(
    broken.map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n')).join('\n'),
    /queued.* is not assignable/,
  );
});

test('schemas document answers without reshaping them: fields outside a schema still reach the client', async () => {
  await t.addTenant('acme');
  const token = await t.token('acme', { user: 'ana' });
  const me = await t.get('/api/me', token);
  assert.deepEqual(me.body, { user_id: 'ana', tenant_id: 'acme', tenants: ['acme'], role: 'agent' });
  const ready = await t.get('/readyz');
  // The readiness body's `checks` carries fields its schema leaves open.
  assert.equal((ready.body.checks as { bus: { kind: string } }).bus.kind, 'memory');
});
