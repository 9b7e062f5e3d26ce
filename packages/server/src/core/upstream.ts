/**
 * What Newton finds when it asks a provider about an instance (#12): the
 * WhatsApp session's state and whether the provider's webhook points at this
 * Newton with the events it needs. `upstream/` implements `UpstreamProbe`;
 * diagnostics (doctor's `upstream` hop) and the periodic checker use it.
 */
import type { InstanceState } from '@newton/protocol';
import type { Instance } from './messages.js';

/** One thing wrong with the provider's webhook settings, with a stable code. */
export interface WebhookProblem {
  /**
   * `not_set` (no webhook configured), `disabled`, `wrong_url` (posts elsewhere),
   * `missing_event` (an event Newton needs is not subscribed), `unchecked`
   * (the provider could not be asked).
   */
  code: 'not_set' | 'disabled' | 'wrong_url' | 'missing_event' | 'unchecked';
  /** A sentence for a person, naming the value found and the one expected. */
  detail: string;
  /** For `missing_event`: the UPPER_SNAKE event name (e.g. `MESSAGES_UPSERT`). */
  event?: string;
  /** True when messages cannot arrive at all (not_set, disabled, wrong_url, MESSAGES_UPSERT missing). */
  blocking: boolean;
}

/** The provider's webhook settings for an instance, checked against what Newton needs. */
export interface WebhookCheck {
  ok: boolean;
  /** The URL Newton expects the provider to post to (from PUBLIC_URL). */
  expectedUrl: string | null;
  /** What the provider has now (null when nothing is set or it could not be asked). */
  current: {
    enabled: boolean;
    /** Any `?token=` in it redacted. */
    url: string | null;
    events: string[];
    byEvents: boolean;
    /** Names of the headers Evolution sends with each webhook (never their values). */
    headerNames?: string[];
  } | null;
  problems: WebhookProblem[];
}

/** What one check of an instance found. */
export interface InstanceCheck {
  instanceId: string;
  /** The session state the provider reported, `unknown` (with reason) when it could not be asked. */
  connection: { state: InstanceState; reason: string | null; detail: string | null };
  /** Null for providers without a webhook API to read (Cloud API: set in Meta's app dashboard). */
  webhook: WebhookCheck | null;
  /** Epoch ms. */
  checkedAt: number;
  /** Cloud API: what Meta says of the number (`status`, `quality_rating`, `name_status`…), as Meta spells it. */
  phone?: Record<string, string>;
  /**
   * Evolution only: how many messages Evolution itself stores for the
   * instance over the last 24 h (`findMessages`' total), or null when it
   * could not be asked. 0 while Newton received messages means Evolution
   * keeps none (`DATABASE_SAVE_DATA_NEW_MESSAGE` off): backfill cannot work.
   */
  storedLastDay?: number | null;
}

/** Asks a provider about one instance; never throws (a failure is a state `unknown` with its reason). */
export interface UpstreamProbe {
  check(instance: Instance): Promise<InstanceCheck>;
}
