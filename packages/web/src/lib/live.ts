/**
 * The tenant's live connection: one `WebSocketService` (@newton/client) per
 * signed-in session, its events routed to the inbox and the open thread, and
 * the facts the connection indicator shows (health.ts).
 *
 * Loading order: the socket connects first; on its first
 * `connection_established` the views (and the WhatsApp numbers' state) load over REST, so nothing that happens
 * in between is missed. After a reconnect the SDK resumes with `since` (the
 * missed events arrive as events); after `resync` the views reload.
 */
import { type ConnectionState, WebSocketService } from '@newton/client';
import { type ClientFrame, DEFAULT_HEARTBEAT_INTERVAL_MS, type ProbeEventFrame } from '@newton/protocol';
import { derived, get, type Readable, writable } from 'svelte/store';
import { describeHealth, type Health } from './health.js';
import { inbox } from './inbox.js';
import { leadPanel } from './lead-panel.js';
import { onMediaReady } from './media-events.js';
import { notifyNewMessage } from './notify.js';
import { numbers } from './numbers.js';
import { startPresence } from './presence.js';
import { type Session, session, sessionEnd, signOut } from './session.js';
import { thread } from './thread.js';
import { triage } from './triage.js';
import { loadUsers, onUserUpdated } from './users.js';

export interface LiveFacts {
  state: ConnectionState;
  now: number;
  lastFrameAt: number | null;
  lastEventAt: number | null;
  lastSeq: number | null;
  heartbeatMs: number;
  downSince: number | null;
  authReason: string | null;
}

const facts = writable<LiveFacts>({
  state: { status: 'idle' },
  now: Date.now(),
  lastFrameAt: null,
  lastEventAt: null,
  lastSeq: null,
  heartbeatMs: DEFAULT_HEARTBEAT_INTERVAL_MS,
  downSince: null,
  authReason: null,
});

/** What the indicator shows, re-evaluated every second. */
export const health: Readable<Health & LiveFacts> = derived([facts, sessionEnd], ([f, ended]) => ({
  ...f,
  ...describeHealth({ ...f, ended }),
}));

/** True once the views have loaded for the current session. */
export const ready = writable(false);

let service: WebSocketService | undefined;
let ticker: ReturnType<typeof setInterval> | undefined;
const offs: (() => void)[] = [];

function patch(p: Partial<LiveFacts>): void {
  facts.update((f) => ({ ...f, ...p }));
}

/** Starts the connection for `s` (stopping any earlier one). */
export function startLive(s: Session): void {
  stopLive();
  let loaded = false;
  const svc = new WebSocketService({
    baseUrl: location.origin,
    tenantId: s.tenantId,
    // The inbox cannot refresh a token: after the server refused it (4401), the session is over.
    getToken: ({ refresh }) => {
      const current = get(session);
      if (refresh || !current) throw new Error('session ended');
      return current.token;
    },
  });
  service = svc;
  patch({
    state: svc.state.get(),
    downSince: Date.now(),
    authReason: null,
    lastSeq: null,
    lastEventAt: null,
  });
  ready.set(false);
  offs.push(
    svc.on('state', (state) => {
      const f = get(facts);
      const downSince = state.status === 'open' ? null : (f.downSince ?? Date.now());
      patch({ state, downSince, now: Date.now() });
      if (state.status === 'unauthorized')
        sessionEnd.set(get(facts).authReason === 'token_expired' ? 'expired' : 'unauthorized');
      if (state.status === 'forbidden') sessionEnd.set('forbidden');
    }),
    svc.on('frame', (f) => {
      patch({ lastFrameAt: Date.now(), now: Date.now() });
      if (f.type === 'probe_event') for (const w of probeWatchers) w(f);
    }),
    svc.on('close', ({ code, reason }) => {
      if (code === 4401) patch({ authReason: reason || 'unauthorized' });
    }),
    svc.on('connected', (frame) => {
      if (probeWatchers.size > 0) svc.send(DIAGNOSTICS);
      patch({
        heartbeatMs: frame.heartbeat_interval_ms || DEFAULT_HEARTBEAT_INTERVAL_MS,
        lastSeq: svc.lastSeq,
      });
      if (!loaded) {
        loaded = true;
        void reloadViews();
      }
    }),
    svc.on('event', () => patch({ lastEventAt: Date.now(), lastSeq: svc.lastSeq })),
    svc.on('resync', () => void reloadViews()),
    svc.on('new_message', (e) => {
      // Probes travel on the diagnostics channel only; this guards against an older server.
      if ((e.message as { probe?: boolean }).probe) return;
      inbox.onNewMessage(e);
      thread.onNewMessage(e);
      notifyNewMessage(e, e.lead.name || e.lead.phone || 'WhatsApp');
    }),
    svc.on('message_status', (e) => thread.onStatus(e)),
    svc.on('message_updated', (e) => thread.onUpdated(e)),
    svc.on('media_ready', (e) => onMediaReady(e.message_id)),
    svc.on('message_reaction', (e) => thread.onReaction(e)),
    svc.on('message_deleted', (e) => thread.onDeleted(e)),
    svc.on('conversation_updated', (e) => inbox.onConversationUpdated(e)),
    svc.on('conversation_merged', (e) => {
      inbox.onMerged(e);
      thread.onMerged(e);
    }),
    svc.on('lead_created', (e) => inbox.onLead(e.lead)),
    svc.on('lead_updated', (e) => inbox.onLead(e.lead)),
    svc.on('lead_updated', (e) => leadPanel.onLead(e.lead)),
    svc.on('conversation_updated', (e) => leadPanel.onConversation(e.conversation)),
    svc.on('new_message', (e) => leadPanel.onNewMessage(e)),
    svc.on('resync', () => void leadPanel.refresh()),
    svc.on('instance_status', (e) => numbers.onStatus(e)),
    svc.on('note_added', (e) => triage.onNoteAdded(e)),
    svc.on('labels_updated', (e) => triage.onLabelsUpdated(e)),
    svc.on('user_updated', (e) => onUserUpdated(e.user)),
    // Changes older than the log's retention are not replayed: read the users again.
    svc.on('resync', () => void loadUsers(true)),
  );
  offs.push(startPresence(svc));
  ticker = setInterval(() => patch({ now: Date.now() }), 1000);
  svc.connect();
}

async function reloadViews(): Promise<void> {
  await Promise.all([inbox.reload(), thread.reload(), numbers.reload(), triage.loadLabels()]);
  ready.set(true);
}

export function stopLive(): void {
  for (const off of offs.splice(0)) off();
  clearInterval(ticker);
  service?.destroy();
  service = undefined;
  numbers.clear();
}

/** Who listens to probe frames (the Diagnostics page, while it is open). */
const probeWatchers = new Set<(frame: ProbeEventFrame) => void>();
const DIAGNOSTICS: ClientFrame = { type: 'subscribe', channels: ['diagnostics'] };

/**
 * Subscribes the live socket to the opt-in `diagnostics` channel (again on
 * every new socket) and hands `handler` each probe frame; the returned
 * function stops. The inbox never sees probes: only this channel carries them.
 */
export function watchProbes(handler: (frame: ProbeEventFrame) => void): () => void {
  probeWatchers.add(handler);
  if (service?.state.get().status === 'open') service.send(DIAGNOSTICS);
  return () => {
    probeWatchers.delete(handler);
    if (probeWatchers.size === 0 && service?.state.get().status === 'open')
      service.send({ type: 'unsubscribe', channels: ['diagnostics'] });
  };
}

/** Tries at once instead of waiting for the next scheduled attempt (the SDK's `connect()`). */
export function reconnectNow(): void {
  const status = service?.state.get().status;
  if (status === 'reconnecting' || status === 'offline') service?.connect();
}

/** Sign out on purpose. */
export function signOutNow(): void {
  stopLive();
  signOut('signed_out');
}

// A REST call that answered 401 ends the session: stop the socket too (no retry loop).
sessionEnd.subscribe((why) => {
  if (why && service && why !== 'forbidden') {
    const state = service.state.get().status;
    if (state !== 'unauthorized') service.disconnect();
  }
});
