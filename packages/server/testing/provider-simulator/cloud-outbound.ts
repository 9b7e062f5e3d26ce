/**
 * The WhatsApp Cloud API's media upload, message templates and non-text
 * sends on the provider simulator, checked the way Meta documents them
 * (developers.facebook.com/documentation/business-messaging/whatsapp):
 * - "Upload media": `POST /{phone_number_id}/media`, multipart with
 *   `messaging_product=whatsapp`, `type` and `file` → `{"id"}`;
 * - "Image/Document/Audio messages": `{type, <type>: {id | link, caption?, filename?, voice?}}`;
 * - "Contextual replies": `context: {message_id}`;
 * - "Message templates": `GET /{waba_id}/message_templates` → `{data, paging}`;
 *   "Template messages": `{type: template, template: {name, language: {code},
 *   components: [{type: body, parameters: [{type: text, text}]}]}}` — error
 *   132001 for an unknown name/language, 132000 for a wrong parameter count.
 */
import { randomBytes } from 'node:crypto';
import type { ProviderSimulator, SimRequest, SimResponse } from './server.js';

export const CLOUD_UPLOAD = 'cloud.upload';
export const CLOUD_TEMPLATES = 'cloud.templates';

export interface CloudUpload {
  phoneNumberId: string;
  mimeType: string;
  fileName: string | null;
  bytes: Buffer;
}

/** A template as Meta lists it (`components` with BODY/HEADER/FOOTER/BUTTONS). */
export interface CloudTemplate {
  id?: string;
  name: string;
  language: string;
  status?: string;
  category?: string;
  components: Record<string, unknown>[];
}

export interface CloudOutboundState {
  /** Uploaded files by media id. */
  readonly uploads: Map<string, CloudUpload>;
  /** Templates by WABA id. */
  readonly templates: Map<string, CloudTemplate[]>;
  /** phone_number_id → its WABA id (for template sends). */
  readonly numberWaba: Map<string, string>;
}

/** Meta's error body (as cloud.ts's graphErrorBody; here to keep the two files apart). */
function graphErrorBody(status: number, message: string, code: number): SimResponse {
  return {
    status,
    body: {
      error: { message, type: 'OAuthException', code, fbtrace_id: `A${randomBytes(8).toString('hex')}` },
    },
  };
}

const MEDIA_TYPES = new Set(['image', 'document', 'audio']);
const bad = (message: string, code = 100) => graphErrorBody(400, message, code);

/** Checks a send of a non-text type; null when Meta would take it. */
export function checkCloudMessage(
  phoneNumberId: string,
  body: Record<string, unknown>,
  state: CloudOutboundState,
): SimResponse | null {
  const context = body.context as { message_id?: unknown } | undefined;
  if (context !== undefined && (typeof context.message_id !== 'string' || context.message_id === '')) {
    return bad("(#100) The parameter context['message_id'] is required.");
  }
  const type = String(body.type);
  if (MEDIA_TYPES.has(type)) {
    const o = body[type] as { id?: unknown; link?: unknown; voice?: unknown } | undefined;
    if (!o || (typeof o.id !== 'string' && typeof o.link !== 'string')) {
      return bad(`(#100) The parameter ${type}['id'] or ${type}['link'] is required.`);
    }
    if (typeof o.id === 'string' && !state.uploads.has(o.id)) {
      return bad(`(#131053) Media upload error: media id ${o.id} not found`, 131053);
    }
    if (o.voice !== undefined && type !== 'audio')
      return bad(`(#100) Param ${type}['voice'] is not allowed.`);
    return null;
  }
  if (type === 'template') {
    const t = body.template as
      | {
          name?: unknown;
          language?: { code?: unknown };
          components?: { type?: unknown; parameters?: unknown[] }[];
        }
      | undefined;
    if (typeof t?.name !== 'string' || typeof t.language?.code !== 'string') {
      return bad("(#100) The parameter template['name'] and template['language']['code'] are required.");
    }
    const waba = state.numberWaba.get(phoneNumberId);
    const found = (waba ? (state.templates.get(waba) ?? []) : []).find(
      (x) => x.name === t.name && x.language === t.language?.code && (x.status ?? 'APPROVED') === 'APPROVED',
    );
    if (!found) {
      return bad(`(#132001) Template name does not exist in the translation`, 132001);
    }
    const bodyText = String(
      (
        found.components.find((c) => String(c.type).toUpperCase() === 'BODY') as
          | { text?: unknown }
          | undefined
      )?.text ?? '',
    );
    const expected = new Set([...bodyText.matchAll(/\{\{\s*(\w+)\s*\}\}/g)].map((m) => m[1])).size;
    const given = t.components?.find((c) => c.type === 'body')?.parameters ?? [];
    if (given.length !== expected) {
      return bad(
        `(#132000) Number of parameters does not match the expected number of params (body: expected ${expected}, received ${given.length})`,
        132000,
      );
    }
    if (
      given.some(
        (p) =>
          (p as { type?: unknown; text?: unknown }).type !== 'text' ||
          typeof (p as { text?: unknown }).text !== 'string',
      )
    ) {
      return bad("(#100) Invalid parameter: each body parameter needs type 'text' and text.");
    }
    return null;
  }
  return bad(`(#100) Param type must be one of {text, image, document, audio, template} in this simulator`);
}

export function installCloudOutbound(
  sim: ProviderSimulator,
  version: string,
  numbers: Record<string, string>,
  state: CloudOutboundState,
): void {
  const tokens = new Set(Object.values(numbers));
  const bearer = (req: SimRequest) => {
    const h = req.headers.authorization;
    return h?.startsWith('Bearer ') ? h.slice(7) : undefined;
  };
  const badToken = () => graphErrorBody(401, 'Invalid OAuth access token - Cannot parse access token', 190);

  sim.route('POST', `/${version}/:phoneNumberId/media`, CLOUD_UPLOAD, async (req) => {
    const phoneNumberId = req.params.phoneNumberId ?? '';
    const token = bearer(req);
    if (!token || !tokens.has(token)) return badToken();
    if (numbers[phoneNumberId] !== token)
      return bad(`Unsupported post request. Object with ID '${phoneNumberId}' does not exist`, 100);
    const ct = req.headers['content-type'] ?? '';
    if (!ct.startsWith('multipart/form-data')) return bad('(#100) The request must be multipart/form-data.');
    const form = await new Response(new Uint8Array(req.rawBytes), {
      headers: { 'content-type': ct },
    }).formData();
    if (form.get('messaging_product') !== 'whatsapp') {
      return bad('(#100) The parameter messaging_product is required.');
    }
    const file = form.get('file');
    const type = form.get('type');
    if (!(file instanceof Blob)) return bad('(#100) The parameter file is required.');
    if (typeof type !== 'string' || type === '') return bad('(#100) The parameter type is required.');
    const id = String(BigInt(`0x${randomBytes(6).toString('hex')}`));
    state.uploads.set(id, {
      phoneNumberId,
      mimeType: type,
      fileName: 'name' in file && typeof file.name === 'string' ? file.name : null,
      bytes: Buffer.from(await file.arrayBuffer()),
    });
    return { status: 200, body: { id } };
  });

  sim.route('GET', `/${version}/:wabaId/message_templates`, CLOUD_TEMPLATES, (req) => {
    const token = bearer(req);
    if (!token || !tokens.has(token)) return badToken();
    const wabaId = req.params.wabaId ?? '';
    const list = state.templates.get(wabaId);
    if (!list) return bad(`Unsupported get request. Object with ID '${wabaId}' does not exist`, 100);
    const status = req.query.get('status');
    const data = list
      .filter((t) => !status || (t.status ?? 'APPROVED') === status)
      .map((t) => ({
        id: t.id ?? String(Math.abs(hash(t.name + t.language))),
        status: 'APPROVED',
        category: 'UTILITY',
        ...t,
      }));
    return { status: 200, body: { data, paging: { cursors: { before: 'QVFIUk', after: 'QVFIUl' } } } };
  });
}

function hash(s: string): number {
  let h = 0;
  for (const c of s) h = (h * 31 + c.charCodeAt(0)) | 0;
  return h;
}
