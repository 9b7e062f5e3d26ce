/**
 * Server-side search under the list's search box (#15 §6): `GET /api/search`
 * for what the agent types (debounced; a newer query cancels the older one),
 * more results on demand, and the snippet split into plain and marked parts
 * for rendering (never HTML from the server).
 */
import type { SearchAnswer, SearchHighlight, SearchLeadHit, SearchMessageHit } from '@newton/protocol';
import { writable } from 'svelte/store';
import { api } from './api.js';

/** Shortest query sent to the server. */
export const MIN_QUERY = 2;
const DEBOUNCE_MS = 250;
const LIMIT = 20;

export interface Part {
  text: string;
  marked: boolean;
}

/** `text` cut into parts at the highlight ranges (sorted, non-overlapping, clipped to the text). */
export function parts(text: string, ranges: readonly SearchHighlight[]): Part[] {
  const out: Part[] = [];
  let at = 0;
  for (const [s, e] of [...ranges].sort((a, b) => a[0] - b[0])) {
    const start = Math.max(s, at);
    const end = Math.min(e, text.length);
    if (end <= start) continue;
    if (start > at) out.push({ text: text.slice(at, start), marked: false });
    out.push({ text: text.slice(start, end), marked: true });
    at = end;
  }
  if (at < text.length) out.push({ text: text.slice(at), marked: false });
  return out;
}

class SearchStore {
  readonly query = writable('');
  readonly messages = writable<SearchMessageHit[]>([]);
  readonly leads = writable<SearchLeadHit[]>([]);
  readonly loading = writable(false);
  readonly error = writable<string | null>(null);
  readonly nextCursor = writable<string | null>(null);
  private timer: ReturnType<typeof setTimeout> | undefined;
  private abort: AbortController | undefined;
  private current = '';

  /** What the box holds now: searches after a pause in typing, clears below MIN_QUERY characters. */
  set(q: string): void {
    const text = q.trim();
    if (text === this.current) return;
    this.current = text;
    this.query.set(text);
    clearTimeout(this.timer);
    this.abort?.abort();
    this.error.set(null);
    if (text.length < MIN_QUERY) {
      this.messages.set([]);
      this.leads.set([]);
      this.nextCursor.set(null);
      this.loading.set(false);
      return;
    }
    this.loading.set(true);
    this.timer = setTimeout(() => void this.fetch(text, null), DEBOUNCE_MS);
  }

  /** The next page of messages. */
  more(cursor: string): Promise<void> {
    return this.fetch(this.current, cursor);
  }

  private async fetch(q: string, cursor: string | null): Promise<void> {
    const abort = new AbortController();
    this.abort = abort;
    this.loading.set(true);
    try {
      const params = new URLSearchParams({ q, limit: String(LIMIT) });
      if (cursor) params.set('cursor', cursor);
      const answer = await api<SearchAnswer>(`/api/search?${params}`, { signal: abort.signal });
      if (abort.signal.aborted || q !== this.current) return;
      this.messages.update((old) => (cursor ? [...old, ...answer.messages] : answer.messages));
      if (!cursor) this.leads.set(answer.leads);
      this.nextCursor.set(answer.next_cursor);
    } catch (err) {
      if (!abort.signal.aborted) this.error.set(err instanceof Error ? err.message : String(err));
    } finally {
      if (!abort.signal.aborted) this.loading.set(false);
    }
  }
}

export const search = new SearchStore();
