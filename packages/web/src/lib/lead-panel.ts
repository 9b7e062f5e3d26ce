/**
 * The lead panel (#15): the lead of the open conversation as
 * `GET /api/leads/{id}` answers it (number, first contact, first-touch ad,
 * attributes, every conversation of the lead), kept current by socket events
 * (`lead_updated` from any agent, `conversation_updated` / `new_message` for
 * its conversations), and the agent's edits (`PATCH /api/leads/{id}`): the
 * name and key/value attributes.
 */
import type {
  ConversationState,
  LeadDetail,
  LeadListItem,
  LeadPatch,
  LeadPayload,
  NewMessageEvent,
} from '@newton/protocol';
import { get, writable } from 'svelte/store';
import { api } from './api.js';
import { inbox } from './inbox.js';

/** The lead fields of a LeadDetail: replaced as a whole by a newer lead (optional ones may go). */
function withLead(d: LeadDetail, lead: LeadPayload | LeadListItem): LeadDetail {
  const { created_at, updated_at, first_contact_at, conversations } = d;
  return {
    created_at,
    updated_at,
    first_contact_at,
    conversations: conversations.map((c) => ({ ...c, lead })),
    ...lead,
  };
}

class LeadPanelStore {
  /** Whether the panel is shown (it follows the open conversation's lead). */
  readonly open = writable(false);
  readonly lead = writable<LeadDetail | null>(null);
  readonly loading = writable(false);
  readonly error = writable<string | null>(null);
  private leadId: string | null = null;
  private generation = 0;

  toggle(): void {
    this.open.update((o) => !o);
  }

  close(): void {
    this.open.set(false);
  }

  /** Loads the lead of the open conversation (again, when `force`). */
  async show(leadId: string, force = false): Promise<void> {
    if (!force && leadId === this.leadId && get(this.lead)) return;
    const gen = ++this.generation;
    if (leadId !== this.leadId) this.lead.set(null);
    this.leadId = leadId;
    this.loading.set(true);
    this.error.set(null);
    try {
      const d = await api<LeadDetail>(`/api/leads/${encodeURIComponent(leadId)}`);
      if (gen === this.generation) this.lead.set(d);
    } catch (err) {
      if (gen === this.generation) this.error.set(err instanceof Error ? err.message : String(err));
    } finally {
      if (gen === this.generation) this.loading.set(false);
    }
  }

  /** A resync (events were missed): the shown lead read again. */
  async refresh(): Promise<void> {
    if (this.leadId && get(this.open)) await this.show(this.leadId, true);
  }

  /** `lead_updated` (any agent's edit, a provider's news): the shown lead as it is now. */
  onLead(lead: LeadPayload): void {
    const d = get(this.lead);
    if (d && d.id === lead.id) this.lead.set(withLead(d, lead));
  }

  /** A conversation changed: the panel's copy too; a new conversation of the lead reloads it. */
  onConversation(c: ConversationState): void {
    const d = get(this.lead);
    if (!d || c.lead_id !== d.id) return;
    if (d.conversations.some((x) => x.id === c.id)) {
      this.lead.set({
        ...d,
        conversations: d.conversations.map((x) => (x.id === c.id ? { ...x, ...c } : x)),
      });
    }
  }

  onNewMessage(e: NewMessageEvent): void {
    const d = get(this.lead);
    if (!d || e.lead_id !== d.id) return;
    if (!d.conversations.some((x) => x.id === e.conversation_id)) void this.show(d.id, true);
  }

  /** The agents' name for the lead; blank gives the WhatsApp profile name back. */
  rename(name: string): Promise<void> {
    return this.patch({ name: name.trim() === '' ? null : name.trim() });
  }

  setAttribute(key: string, value: string, replaces?: string): Promise<void> {
    const attributes: Record<string, string | null> = {};
    if (replaces !== undefined && replaces !== key) attributes[replaces] = null;
    attributes[key] = value;
    return this.patch({ attributes });
  }

  removeAttribute(key: string): Promise<void> {
    return this.patch({ attributes: { [key]: null } });
  }

  private async patch(body: LeadPatch): Promise<void> {
    const d = get(this.lead);
    if (!d) return;
    const lead = await api<LeadListItem>(`/api/leads/${encodeURIComponent(d.id)}`, { method: 'PATCH', body });
    const { created_at: _, updated_at: __, ...payload } = lead;
    inbox.onLead(payload); // at once; the socket's lead_updated brings the same
    const now = get(this.lead);
    if (now && now.id === lead.id) this.lead.set({ ...withLead(now, lead), updated_at: lead.updated_at });
  }
}

export const leadPanel = new LeadPanelStore();
