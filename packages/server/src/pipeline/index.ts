export { EditApplier } from './edits.js';
export { Ingestor, type ProbeSink, type StoredListener } from './ingestor.js';
export { InstanceStateApplier, type StateListener } from './instance-states.js';
export { OutboundService, type ReplyAnswer, type ReplyRequest } from './outbound.js';
export { ReplySender, type SenderOptions } from './sender.js';
export { StatusApplier } from './statuses.js';
