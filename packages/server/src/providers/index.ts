/**
 * Public face of the provider adapters: what the composition root (app.ts),
 * the HTTP routes, the CLI and diagnostics use of Evolution API and the
 * WhatsApp Cloud API. Adapters turn provider payloads into core's shapes and
 * hand them to core's sinks; they know nothing of sockets, routes or the store.
 */
export { CloudMediaFetcher } from './cloud/media.js';
export { type CloudPhoneAnswer, type CloudPhoneInfo, checkCloudPhone } from './cloud/phone-check.js';
export { CloudClient } from './cloud/send.js';
export { DEFAULT_GRAPH_URL } from './cloud/types.js';
export { MAX_CHALLENGE_CHARS, type VerifyOutcome, verifyHandshake } from './cloud/verify.js';
export { CloudWebhook, type CloudWebhookRequest } from './cloud/webhook.js';
export { EvolutionClient, evolutionReason } from './evolution/client.js';
export { type InlineMedia, takeInlineMedia } from './evolution/inline-media.js';
export {
  type EvolutionAnswer,
  EvolutionInstanceApi,
  type EvolutionWebhookRow,
  type EvolutionWebhookSettings,
} from './evolution/instance-api.js';
export { EvolutionMediaFetcher } from './evolution/media.js';
export { normalizeEventName } from './evolution/parse.js';
export { EvolutionWebhook } from './evolution/webhook.js';
export { MediaFetchError, type MediaFetcher, MediaFetchers } from './media-fetch.js';
export { type ReceiptFields, ReceiptRecorder, senderDigits } from './receipts.js';
export {
  type SyntheticMessage,
  type SyntheticRequest,
  type SyntheticResult,
  syntheticInbound,
} from './synthetic-inbound.js';
export { type UpstreamAnswer, warmUpstreamClient } from './upstream-call.js';
