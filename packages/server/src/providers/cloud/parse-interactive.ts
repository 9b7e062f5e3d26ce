/**
 * Readers of the Cloud API message types that answer something or carry a
 * cart (issue #13), from Meta's webhook reference
 * (developers.facebook.com/docs/whatsapp/cloud-api/webhooks/reference/messages):
 * `interactive` (`button_reply`, `list_reply`, `nfm_reply` of a Flow),
 * `button` (a template's quick reply) and `order`. Pure.
 */
import type { OrderInfo } from '@newton/protocol';
import { interactiveReply, jsonText, orderItem, type ParsedContent } from '../interactive.js';
import { isObj, type Obj, str } from '../json-read.js';

/**
 * `interactive`: `{type: "button_reply", button_reply: {id, title}}`,
 * `{type: "list_reply", list_reply: {id, title, description}}` or
 * `{type: "nfm_reply", nfm_reply: {name, body, response_json}}`.
 */
function interactive(p: Obj): ParsedContent | null {
  if (isObj(p.button_reply)) {
    const r = p.button_reply;
    return interactiveReply({ kind: 'button', id: str(r.id), title: str(r.title) });
  }
  if (isObj(p.list_reply)) {
    const r = p.list_reply;
    return interactiveReply({
      kind: 'list',
      id: str(r.id),
      title: str(r.title),
      description: str(r.description),
    });
  }
  if (isObj(p.nfm_reply)) {
    const r = p.nfm_reply;
    const response = jsonText(r.response_json);
    const token = isObj(response) ? str(response.flow_token) : null;
    return interactiveReply({
      kind: 'flow',
      id: token,
      title: str(r.body),
      name: str(r.name),
      response_json: response,
    });
  }
  return null;
}

/** `button` (a template's quick-reply button): `{payload, text}`. */
function button(p: Obj): ParsedContent {
  return interactiveReply({ kind: 'template_button', id: str(p.payload), title: str(p.text) });
}

/** `order`: `{catalog_id, text, product_items: [{product_retailer_id, quantity, item_price, currency}]}`. */
function order(p: Obj): ParsedContent {
  const info: OrderInfo = {
    catalog_id: str(p.catalog_id),
    items: (Array.isArray(p.product_items) ? p.product_items : []).map(orderItem),
    text: str(p.text),
  };
  return { type: 'order', content: info.text, extra: { order: info } };
}

const UNSUPPORTED = { type: 'unsupported', content: null, extra: {} } as const;

/** Readers by `messages[].type`, merged into parse.ts's. */
export const INTERACTIVE_READERS = {
  interactive: (p: Obj) => interactive(p) ?? UNSUPPORTED,
  button,
  order,
} as const;
