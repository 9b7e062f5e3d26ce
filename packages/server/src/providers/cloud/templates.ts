/**
 * The approved message templates of a Cloud API number's WhatsApp Business
 * Account (Meta, "Message templates": `GET /{waba_id}/message_templates`
 * with `status=APPROVED`, `fields=…` and cursor paging in `paging.next`).
 * Only templates Newton can fill are listed: a body with text parameters, a
 * text header without parameters (or none), buttons without parameters.
 */
import type { Instance, MessageTemplate } from '../../core/index.js';
import { networkSendError, ProviderSendError } from '../../core/index.js';
import { placeholdersOf } from '../../core/template-text.js';
import { describeGraphError, graphBase, graphError, graphHeaders, jsonOrNull } from './graph.js';

const FIELDS = 'id,name,language,status,category,components';
const PAGE = 100;
const MAX_PAGES = 5;

interface RawComponent {
  type?: unknown;
  format?: unknown;
  text?: unknown;
  buttons?: { type?: unknown; url?: unknown; example?: unknown }[];
}

const str = (v: unknown) => (typeof v === 'string' ? v : null);

/** One listed template, or null when Newton cannot fill it (media header, parameters outside the body). */
export function templateOf(raw: Record<string, unknown>): MessageTemplate | null {
  const name = str(raw.name);
  const language = str(raw.language);
  if (!name || !language) return null;
  const comps = Array.isArray(raw.components) ? (raw.components as RawComponent[]) : [];
  const find = (t: string) => comps.find((c) => String(c.type).toUpperCase() === t);
  const header = find('HEADER');
  if (
    header &&
    (String(header.format ?? 'TEXT').toUpperCase() !== 'TEXT' || placeholdersOf(str(header.text)).length > 0)
  )
    return null;
  const buttons = find('BUTTONS');
  if (buttons?.buttons?.some((b) => typeof b.url === 'string' && b.url.includes('{{'))) return null;
  const body = str(find('BODY')?.text);
  return {
    id: str(raw.id) ?? `${name}:${language}`,
    name,
    language,
    category: str(raw.category) ?? 'UNKNOWN',
    status: str(raw.status) ?? 'APPROVED',
    body,
    placeholders: placeholdersOf(body),
    header: header ? str(header.text) : null,
    footer: str(find('FOOTER')?.text),
  };
}

/** Every approved template Newton can send, following Meta's paging (at most 500). */
export async function listCloudTemplates(
  instance: Instance,
  signal: AbortSignal,
): Promise<MessageTemplate[]> {
  if (!instance.wabaId) throw new Error('the number has no known WhatsApp Business Account');
  const params = new URLSearchParams({ status: 'APPROVED', limit: String(PAGE), fields: FIELDS });
  let url: string | null =
    `${graphBase(instance)}/${encodeURIComponent(instance.wabaId)}/message_templates?${params}`;
  const out: MessageTemplate[] = [];
  for (let page = 0; url && page < MAX_PAGES; page++) {
    let res: Response;
    try {
      res = await fetch(url, { headers: graphHeaders(instance), signal });
    } catch (err) {
      throw networkSendError(err, signal.aborted);
    }
    const body = (await jsonOrNull(res)) as { data?: unknown; paging?: { next?: unknown } } | null;
    if (!res.ok) {
      throw new ProviderSendError({
        code: 'provider_rejected',
        reason: describeGraphError(res.status, graphError(body)),
        retryable: res.status >= 500 || res.status === 429,
        status: res.status,
      });
    }
    for (const raw of Array.isArray(body?.data) ? body.data : []) {
      if (raw && typeof raw === 'object') {
        const t = templateOf(raw as Record<string, unknown>);
        if (t && t.status.toUpperCase() === 'APPROVED') out.push(t);
      }
    }
    url = typeof body?.paging?.next === 'string' ? body.paging.next : null;
  }
  return out;
}
