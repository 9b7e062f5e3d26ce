/**
 * The REST answers of packages/protocol (rest.ts, events.ts, diagnostics.ts)
 * as zod schemas, for the OpenAPI document's response schemas. The protocol's
 * TypeScript types stay the source of truth: each schema below is checked at
 * compile time to infer exactly that type (`same<…>()`), so a field added to
 * the protocol and not here (or the other way round) fails `tsc`.
 */
import type {
  AdminUser,
  AssignmentSettings,
  ConversationAnswer,
  ConversationStartedAnswer,
  ConversationState,
  InstanceStatusPayload,
  LabelAnswer,
  LabelList,
  LabelPayload,
  LeadListItem,
  LeadPayload,
  LoginExchangeAnswer,
  Me,
  MessageAnswer,
  MessagePayload,
  NoteAnswer,
  NotePayload,
  ProbeResult,
  TemplateListAnswer,
  User,
  UsersAnswer,
} from '@newton/protocol';
import { z } from 'zod';

/** True only when A and B are the same type (optional and nullable alike). */
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
/** `same<T>()(schema, true)` compiles only when the schema infers exactly `T`. */
export function same<T>() {
  return <S extends z.ZodType>(_schema: S, _proof: Equal<z.infer<S>, T>): void => {};
}

const str = z.string();
const strOrNull = z.string().nullable();
const iso = z.string().describe('ISO-8601 time');
const sender = z.enum(['lead', 'agent']);

const media = z.object({
  mime_type: strOrNull,
  size: z.number().nullable(),
  file_name: strOrNull,
  seconds: z.number().nullable(),
  provider_ref: strOrNull.describe("Provider's URL or media id; fetched on demand, never inlined"),
});
const location = z.object({
  latitude: z.number(),
  longitude: z.number(),
  name: strOrNull,
  address: strOrNull,
  url: strOrNull.optional(),
});
const contact = z.object({ name: strOrNull, vcard: strOrNull });
const reaction = z.object({ emoji: str, target_provider_message_id: strOrNull });
const interactive = z.object({
  kind: z.enum(['button', 'list', 'template_button', 'flow', 'native_flow']),
  id: strOrNull,
  title: strOrNull,
  description: strOrNull.optional(),
  response_json: z.unknown().optional(),
  name: strOrNull.optional(),
});
const poll = z.object({
  question: strOrNull,
  options: z.array(str),
  selectable_count: z.number().nullable(),
});
const order = z.object({
  catalog_id: strOrNull,
  items: z.array(
    z.object({
      product_retailer_id: strOrNull,
      quantity: z.number().nullable(),
      item_price: z.number().nullable(),
      currency: strOrNull,
    }),
  ),
  text: strOrNull,
});
const call = z.object({
  status: z.enum(['missed', 'answered', 'rejected']),
  video: z.boolean(),
  duration: z.number().nullable().optional(),
});
const system = z.object({
  kind: z.literal('user_changed_number'),
  old_phone: strOrNull,
  new_phone: strOrNull,
});
const referralFields = {
  source_url: strOrNull,
  source_id: strOrNull,
  source_type: strOrNull,
  headline: strOrNull,
  body: strOrNull,
  media_type: strOrNull,
  image_url: strOrNull,
  video_url: strOrNull,
  thumbnail_url: strOrNull,
  ctwa_clid: strOrNull,
};
const referral = z.object(referralFields);
const attribution = z.object({ ...referralFields, message_id: str, at: iso });
const messageReaction = z.object({ by: sender, emoji: str, at: iso });
const replyTo = z.object({
  message_id: strOrNull,
  provider_message_id: str,
  content: strOrNull,
  sender: sender.nullable(),
});
const messageError = z.object({ code: str, message: str });
const templateInfo = z.object({
  name: str,
  language: str,
  variables: z.array(str),
  placeholders: z.array(str),
});

export const Message = z.object({
  id: str,
  conversation_id: str,
  content: strOrNull,
  sender,
  phone: strOrNull.describe('E.164 with +, or null when the provider hid it'),
  type: z.enum([
    'text',
    'image',
    'video',
    'document',
    'audio',
    'voice',
    'sticker',
    'location',
    'contact',
    'reaction',
    'interactive_reply',
    'poll',
    'order',
    'call',
    'system',
    'unsupported',
  ]),
  direction: z.enum(['inbound', 'outbound']),
  status: z.enum(['pending', 'sent', 'delivered', 'read', 'failed']),
  timestamp: iso,
  provider: z.enum(['evolution', 'cloud']),
  provider_message_id: str,
  media: media.optional(),
  location: location.optional(),
  contacts: z.array(contact).optional(),
  reaction: reaction.optional(),
  interactive: interactive.optional(),
  poll: poll.optional(),
  order: order.optional(),
  call: call.optional(),
  system: system.optional(),
  referral: referral.optional(),
  edited_at: iso.optional(),
  reply_to: replyTo.optional(),
  template: templateInfo.optional(),
  reactions: z.array(messageReaction).optional(),
  deleted_at: iso.optional(),
  client_id: strOrNull.optional(),
  sender_user_id: strOrNull.optional(),
  error: messageError.nullable().optional(),
  probe: z.literal(true).optional(),
});
same<MessagePayload>()(Message, true);

const leadFields = {
  id: str,
  name: strOrNull,
  phone: strOrNull,
  picture_url: str.optional(),
  attribution: attribution.optional(),
  attributes: z.record(str, str).describe("The tenant's own key/value strings (lead panel)"),
  profile_name: strOrNull
    .optional()
    .describe('Present when an agent named the lead: the WhatsApp profile name'),
};
export const Lead = z.object(leadFields);
same<LeadPayload>()(Lead, true);

export const LeadItem = z.object({ ...leadFields, created_at: iso, updated_at: iso });
same<LeadListItem>()(LeadItem, true);

export const Label = z.object({ id: str, name: str, color: str.describe('#rrggbb') });
same<LabelPayload>()(Label, true);

export const Conversation = z.object({
  id: str,
  lead_id: str,
  instance_id: str,
  status: z.enum(['open', 'pending', 'resolved', 'snoozed']),
  unread_count: z.number().int(),
  last_message_at: strOrNull,
  lead: Lead,
  last_message_preview: strOrNull,
  last_message_id: strOrNull,
  created_at: iso,
  last_read_at: strOrNull,
  snoozed_until: strOrNull.describe('ISO-8601 time a snoozed conversation reopens, else null'),
  labels: z.array(Label),
  notes_count: z.number().int(),
  assignee_id: strOrNull.optional().describe('The user who owns it (users.id), or null'),
});
same<ConversationState>()(Conversation, true);

export const Note = z.object({
  id: str,
  conversation_id: str,
  text: str,
  author_id: str,
  created_at: iso,
});
same<NotePayload>()(Note, true);

export const NoteReply = z.object({ note: Note, conversation: Conversation });
same<NoteAnswer>()(NoteReply, true);

export const LabelItems = z.object({ items: z.array(Label) });
same<LabelList>()(LabelItems, true);

export const LabelReply = z.object({ label: Label });
same<LabelAnswer>()(LabelReply, true);

const userFields = {
  id: str,
  name: str,
  role: z.enum(['agent', 'admin']),
  color: str.describe('Avatar colour, #rrggbb'),
  disabled: z.boolean(),
};
export const UserItem = z.object(userFields);
same<User>()(UserItem, true);

export const UserList = z.object({ items: z.array(UserItem) });
same<UsersAnswer>()(UserList, true);

export const AdminUserItem = z.object({
  ...userFields,
  email: strOrNull,
  disabled_at: strOrNull,
  created_at: iso,
  updated_at: iso,
});
same<AdminUser>()(AdminUserItem, true);

export const AssignmentSettingsAnswer = z.object({ auto_assign: z.boolean() });
same<AssignmentSettings>()(AssignmentSettingsAnswer, true);

export const MeAnswer = z.object({
  user_id: str,
  tenant_id: str,
  tenants: z.array(str),
  role: z.enum(['agent', 'admin']),
});
same<Me>()(MeAnswer, true);

export const LoginAnswer = z.object({
  token: str,
  tenant_id: str,
  role: z.literal('admin'),
  user_id: str,
  expires_at: iso,
});
same<LoginExchangeAnswer>()(LoginAnswer, true);

export const InstanceStatus = z.object({
  id: str,
  provider: z.enum(['evolution', 'cloud']),
  name: str,
  number: strOrNull,
  state: z.enum(['open', 'connecting', 'close', 'unknown']),
  reason: strOrNull,
  detail: strOrNull,
  since: iso,
  last_webhook_at: strOrNull,
});
same<InstanceStatusPayload>()(InstanceStatus, true);

export const MessageReply = z.object({ message: Message });
same<MessageAnswer>()(MessageReply, true);

/** **[addition]** `GET /api/instances/{id}/templates` (issue #15 §8). */
export const TemplateList = z.object({
  items: z.array(
    z.object({
      id: str,
      name: str,
      language: str,
      category: str,
      status: str,
      body: strOrNull,
      placeholders: z.array(str),
      header: strOrNull,
      footer: strOrNull,
    }),
  ),
});
same<TemplateListAnswer>()(TemplateList, true);

/** **[addition]** `POST /api/conversations` (issue #15 §8): the conversation and its first message. */
export const ConversationStarted = z.object({ conversation: Conversation, message: Message });
same<ConversationStartedAnswer>()(ConversationStarted, true);

export const ConversationReply = z.object({ conversation: Conversation });
same<ConversationAnswer>()(ConversationReply, true);

export const Probe = z.object({
  ok: z.boolean(),
  trace_id: str,
  instance: strOrNull,
  status: z.number().nullable(),
  outcome: strOrNull,
  message_id: strOrNull,
  conversation_id: strOrNull,
  seq: z.array(z.number()),
  webhook_ms: z.number().nullable(),
  node: str,
  reason: str.optional(),
});
same<ProbeResult>()(Probe, true);

/** `{items, next_cursor}`: a list, newest first; `cursor=next_cursor` continues (null on the last page). */
export function page<T extends z.ZodType>(item: T) {
  return z.object({ items: z.array(item), next_cursor: z.string().nullable() });
}
