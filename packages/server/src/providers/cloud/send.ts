/**
 * Sending replies through the WhatsApp Cloud API (docs/api.md §1.8):
 * `POST {graph}/{phone_number_id}/messages` with the instance's access token.
 * One attempt per call; the outbound pipeline owns retries and statuses.
 */

import type { Instance } from '../../core/index.js';
import {
  httpSendError,
  type MessageTemplate,
  networkSendError,
  type ProviderClient,
  ProviderSendError,
  type ReplyContext,
  type ReplyRefusal,
  SendErrorCode,
  type SendMediaRequest,
  type SendResult,
  type SendTarget,
  type SendTemplateRequest,
  type SendTextRequest,
} from '../../core/index.js';
import { sendErrorProblem } from './account.js';
import { describeGraphError, graphBase, graphError, graphHeaders, jsonOrNull } from './graph.js';
import { cloudContext, cloudMediaMessage, cloudTemplateMessage, uploadCloudMedia } from './send-media.js';
import { listCloudTemplates } from './templates.js';

/** WhatsApp's customer-service window: free text only this long after the customer's last message. */
export const REPLY_WINDOW_MS = 24 * 3600 * 1000;

/**
 * Meta error codes that mean "too fast" though answered with HTTP 400: app
 * (4), account (80007), throughput (130429) and pair (131056) rate limits.
 */
const RATE_LIMIT_CODES = new Set([4, 80007, 130429, 131056]);
/** 131047: "Re-engagement message": more than 24 h since the customer's last message. */
const WINDOW_CLOSED_CODE = 131047;

/** The `to` of a Cloud send: the customer's wa_id digits, else the E.164 digits. */
function recipientOf(to: SendTarget): string | null {
  if (to.jid && /^\d{7,15}$/.test(to.jid)) return to.jid;
  return to.phone ? to.phone.replace(/^\+/, '') : null;
}

export class CloudClient implements ProviderClient {
  readonly provider = 'cloud' as const;

  sendConfigProblem(instance: Instance): string | null {
    if (!instance.apikey) {
      return `Cloud API number ${instance.name} has no access token (newton instance add … --access-token)`;
    }
    return null;
  }

  replyBlocked(ctx: ReplyContext): ReplyRefusal | null {
    if (ctx.lastInboundAt === null || ctx.now - ctx.lastInboundAt > REPLY_WINDOW_MS) {
      return {
        code: SendErrorCode.REPLY_WINDOW_CLOSED,
        message:
          ctx.lastInboundAt === null
            ? 'the customer has not written to this number: WhatsApp allows only template messages until they do'
            : `the customer's last message is older than 24 hours (${new Date(ctx.lastInboundAt).toISOString()}): ` +
              'WhatsApp allows only template messages outside the customer-service window',
      };
    }
    if (recipientOf(ctx.to) === null) {
      return { code: SendErrorCode.CANNOT_REPLY, message: 'the customer has no phone number to reply to' };
    }
    return null;
  }

  async sendText(req: SendTextRequest, signal: AbortSignal): Promise<SendResult> {
    const to = this.recipient(req.to);
    return this.post(
      req.instance,
      {
        messaging_product: 'whatsapp',
        recipient_type: 'individual',
        to,
        ...cloudContext(req.quoted),
        type: 'text',
        text: { preview_url: false, body: req.text },
      },
      signal,
    );
  }

  /** Uploads the file to the number's media, then sends it by its media id. */
  async sendMedia(req: SendMediaRequest, signal: AbortSignal): Promise<SendResult> {
    const to = this.recipient(req.to);
    const mediaId = await uploadCloudMedia(req.instance, req, signal, (status, body, retryAfter) =>
      cloudSendError(status, body, retryAfter, req.instance.name),
    );
    return this.post(req.instance, cloudMediaMessage(req, to, mediaId), signal);
  }

  async sendTemplate(req: SendTemplateRequest, signal: AbortSignal): Promise<SendResult> {
    const to = this.recipient(req.to);
    return this.post(req.instance, cloudTemplateMessage(req, to, req.placeholders), signal);
  }

  listTemplates(instance: Instance, signal: AbortSignal): Promise<MessageTemplate[]> {
    return listCloudTemplates(instance, signal);
  }

  private recipient(target: SendTarget): string {
    const to = recipientOf(target);
    if (!to) {
      throw new ProviderSendError({
        code: SendErrorCode.CANNOT_REPLY,
        reason: 'the customer has no phone number to reply to',
        retryable: false,
      });
    }
    return to;
  }

  /** One `POST /{phone_number_id}/messages`; resolves with the wamid answered. */
  private async post(instance: Instance, body: unknown, signal: AbortSignal): Promise<SendResult> {
    const url = `${graphBase(instance)}/${encodeURIComponent(instance.name)}/messages`;
    let res: Response;
    try {
      res = await fetch(url, {
        method: 'POST',
        headers: graphHeaders(instance, true),
        body: JSON.stringify(body),
        signal,
      });
    } catch (err) {
      throw networkSendError(err, signal.aborted);
    }
    let answer: unknown;
    try {
      answer = await jsonOrNull(res);
    } catch (err) {
      throw networkSendError(err, signal.aborted);
    }
    if (!res.ok) throw cloudSendError(res.status, answer, res.headers.get('retry-after'), instance.name);
    const id = (answer as { messages?: { id?: unknown }[] } | null)?.messages?.[0]?.id;
    if (typeof id !== 'string' || id === '') {
      // Sent or not is unknown: a retry could send twice, so this is final.
      throw new ProviderSendError({
        code: SendErrorCode.INVALID_PROVIDER_ANSWER,
        reason: `the Graph API answered HTTP ${res.status} without messages[0].id`,
        retryable: false,
        status: res.status,
      });
    }
    return { providerMessageId: id };
  }
}

/**
 * Meta's error answer → ProviderSendError (429/5xx and rate-limit codes
 * retryable, other 4xx final); a dead token or locked account also names the
 * instance problem, so the sender shows the number as closed.
 */
export function cloudSendError(
  status: number,
  body: unknown,
  retryAfter: string | null,
  phoneNumberId: string,
): ProviderSendError {
  const e = graphError(body);
  const reason = describeGraphError(status, e);
  const instanceProblem = sendErrorProblem(e, phoneNumberId);
  if (instanceProblem) {
    const code = e?.code === 190 ? SendErrorCode.PROVIDER_UNAUTHORIZED : SendErrorCode.PROVIDER_REJECTED;
    return new ProviderSendError({ code, reason, retryable: false, status, instanceProblem });
  }
  if (e?.code === WINDOW_CLOSED_CODE) {
    return new ProviderSendError({
      code: SendErrorCode.REPLY_WINDOW_CLOSED,
      reason,
      retryable: false,
      status,
    });
  }
  if (e?.code !== null && e?.code !== undefined && RATE_LIMIT_CODES.has(e.code) && status < 500) {
    return new ProviderSendError({ code: SendErrorCode.RATE_LIMITED, reason, retryable: true, status });
  }
  return httpSendError(status, reason, retryAfter);
}
