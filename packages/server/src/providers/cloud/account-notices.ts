/**
 * The Cloud API account webhooks beyond `account_update` and
 * `phone_number_quality_update` (#13), each read into one sentence for the
 * receipt, and — for a rejected account review — the state of the numbers
 * (Meta's webhook field references, developers.facebook.com/documentation/
 * business-messaging/whatsapp/webhooks/reference/<field>/):
 * - `message_template_status_update` {event, message_template_id,
 *   message_template_name, message_template_language, reason};
 * - `message_template_quality_update` {previous_quality_score,
 *   new_quality_score, message_template_name, message_template_language};
 * - `template_category_update` {message_template_name, previous_category,
 *   new_category};
 * - `account_review_update` {decision: APPROVED | REJECTED | PENDING | DEFERRED};
 * - `phone_number_name_update` {display_phone_number, decision,
 *   requested_verified_name, rejection_reason};
 * - `business_capability_update` {max_daily_conversation_per_phone,
 *   max_phone_numbers_per_business, max_phone_numbers_per_waba};
 * - `account_alerts` {alert_type, alert_severity, alert_status, alert_description};
 * - `security` {event, display_phone_number}.
 * None carries `metadata.phone_number_id`: they name the account
 * (`entry[].id`) and sometimes a number.
 */
import { type Obj, str } from '../json-read.js';

/** Account fields read here (account.ts reads `account_update` and quality updates). */
export const NOTICE_FIELDS: ReadonlySet<string> = new Set([
  'message_template_status_update',
  'message_template_quality_update',
  'template_category_update',
  'account_review_update',
  'phone_number_name_update',
  'business_capability_update',
  'account_alerts',
  'security',
]);

export type Notice =
  | { kind: 'notice'; reason: string }
  | { kind: 'close'; event: string; reason: 'account_restricted'; detail: string };

function s(value: unknown, max = 120): string | null {
  return str(value)?.slice(0, max) ?? (typeof value === 'number' ? String(value) : null);
}

function template(v: Obj): string {
  const name = s(v.message_template_name) ?? s(v.message_template_id) ?? 'a template';
  const lang = s(v.message_template_language, 20);
  return `template "${name}"${lang ? ` (${lang})` : ''}`;
}

function change(from: unknown, to: unknown): string {
  return `${s(from, 40) ?? '?'} → ${s(to, 40) ?? '?'}`;
}

/** One account change of a NOTICE_FIELDS field; `label` names the number in sentences. */
export function parseNotice(field: string, v: Obj, label: string): Notice {
  switch (field) {
    case 'message_template_status_update': {
      const why = s(v.reason, 200);
      const event = s(v.event, 40) ?? 'updated';
      return { kind: 'notice', reason: `${template(v)} ${event}${why && why !== 'NONE' ? ` (${why})` : ''}` };
    }
    case 'message_template_quality_update':
      return {
        kind: 'notice',
        reason: `${template(v)} quality ${change(v.previous_quality_score, v.new_quality_score)}`,
      };
    case 'template_category_update':
      return {
        kind: 'notice',
        reason: `${template(v)} category ${change(v.previous_category, v.new_category)}`,
      };
    case 'account_review_update': {
      const decision = s(v.decision, 40) ?? 'unknown';
      if (decision === 'REJECTED') {
        const detail = `Meta rejected the review of the WhatsApp Business Account of ${label}: read why in WhatsApp Manager (Business Support Home) and request another review; the number cannot send until it is approved`;
        return {
          kind: 'close',
          event: 'account_review_update REJECTED',
          reason: 'account_restricted',
          detail,
        };
      }
      return { kind: 'notice', reason: `account review ${decision}` };
    }
    case 'phone_number_name_update': {
      const name = s(v.requested_verified_name) ?? '?';
      const why = s(v.rejection_reason, 200);
      const decision = s(v.decision, 40) ?? 'updated';
      return {
        kind: 'notice',
        reason: `display name "${name}" ${decision}${why && why !== 'NONE' ? ` (${why})` : ''}`,
      };
    }
    case 'business_capability_update': {
      const limit = s(v.max_daily_conversation_per_phone ?? v.max_daily_conversations_per_business, 40);
      const numbers = s(v.max_phone_numbers_per_business ?? v.max_phone_numbers_per_waba, 40);
      const parts = [limit ? `daily conversations ${limit}` : '', numbers ? `numbers ${numbers}` : ''];
      return { kind: 'notice', reason: `capabilities: ${parts.filter(Boolean).join(', ') || 'updated'}` };
    }
    case 'account_alerts':
      return {
        kind: 'notice',
        reason:
          `alert ${s(v.alert_type, 80) ?? ''} ${s(v.alert_severity, 40) ?? ''} ${s(v.alert_status, 40) ?? ''}`
            .replace(/\s+/g, ' ')
            .trim(),
      };
    default:
      return { kind: 'notice', reason: `${field} ${s(v.event, 60) ?? 'event'}` };
  }
}
