/**
 * Conversation triage in the inbox (#15): status, internal notes and labels.
 * The server answers each change and sends it to every agent as an event
 * (`conversation_updated`, `note_added`, `labels_updated`); the list and the
 * thread apply the answer at once and the event again (idempotent).
 */
import type {
  ConversationAnswer,
  ConversationStatus,
  LabelList,
  LabelPayload,
  LabelsUpdatedEvent,
  NoteAddedEvent,
  NoteAnswer,
  NotePayload,
  Page,
} from '@newton/protocol';
import { get, writable } from 'svelte/store';
import { api } from './api.js';
import { inbox } from './inbox.js';

class TriageStore {
  /** The tenant's labels (the catalogue admins define). */
  readonly labels = writable<LabelPayload[]>([]);
  /** Notes of the open conversation, oldest first. */
  readonly notes = writable<NotePayload[]>([]);
  readonly error = writable<string | null>(null);
  private conversationId: string | null = null;

  async loadLabels(): Promise<void> {
    try {
      this.labels.set((await api<LabelList>('/api/labels')).items);
    } catch {
      // The catalogue is a convenience: the list and thread work without it.
    }
  }

  /** Loads the newest notes of the conversation the thread opened. */
  async open(conversationId: string): Promise<void> {
    this.conversationId = conversationId;
    this.notes.set([]);
    try {
      const page = await api<Page<NotePayload>>(
        `/api/conversations/${encodeURIComponent(conversationId)}/notes?limit=200`,
      );
      if (this.conversationId !== conversationId) return;
      this.merge(page.items);
    } catch (err) {
      this.error.set(err instanceof Error ? err.message : String(err));
    }
  }

  async setStatus(id: string, status: ConversationStatus, snoozedUntil?: string): Promise<void> {
    await this.call(async () => {
      const body = snoozedUntil ? { status, snoozed_until: snoozedUntil } : { status };
      const a = await api<ConversationAnswer>(`/api/conversations/${encodeURIComponent(id)}/status`, {
        method: 'POST',
        body,
      });
      inbox.applySummary(a.conversation);
    });
  }

  async addNote(id: string, text: string): Promise<void> {
    await this.call(async () => {
      const a = await api<NoteAnswer>(`/api/conversations/${encodeURIComponent(id)}/notes`, {
        method: 'POST',
        body: { text },
      });
      inbox.applySummary(a.conversation);
      if (this.conversationId === id) this.merge([a.note]);
    });
  }

  async setLabel(id: string, labelId: string, on: boolean): Promise<void> {
    await this.call(async () => {
      const base = `/api/conversations/${encodeURIComponent(id)}/labels`;
      const a = on
        ? await api<ConversationAnswer>(base, { method: 'POST', body: { label_id: labelId } })
        : await api<ConversationAnswer>(`${base}/${encodeURIComponent(labelId)}`, { method: 'DELETE' });
      inbox.applySummary(a.conversation);
    });
  }

  onNoteAdded(e: NoteAddedEvent): void {
    inbox.applySummary(e.conversation);
    if (this.conversationId === e.conversation_id) this.merge([e.note]);
  }

  onLabelsUpdated(e: LabelsUpdatedEvent): void {
    this.labels.set(e.labels);
  }

  private merge(notes: NotePayload[]): void {
    const byId = new Map(get(this.notes).map((n) => [n.id, n]));
    for (const n of notes) byId.set(n.id, n);
    this.notes.set([...byId.values()].sort((a, b) => (a.created_at < b.created_at ? -1 : 1)));
  }

  private async call(fn: () => Promise<void>): Promise<void> {
    this.error.set(null);
    try {
      await fn();
    } catch (err) {
      this.error.set(err instanceof Error ? err.message : String(err));
    }
  }
}

export const triage = new TriageStore();
