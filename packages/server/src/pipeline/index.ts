export { EditApplier, type EditOutcome, type MessageEdit } from './edits.js';
export { Ingestor } from './ingestor.js';
export { OutboundService, type ReplyAnswer, type ReplyRequest } from './outbound.js';
export { ReplySender, type SenderOptions } from './sender.js';
export { StatusApplier, type StatusOutcome, type StatusUpdate } from './statuses.js';
