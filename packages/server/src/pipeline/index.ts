export { AutoAssigner } from './auto-assign.js';
export { EditApplier } from './edits.js';
export { Ingestor, type ProbeSink } from './ingestor.js';
export { InstanceStateApplier, type StateListener } from './instance-states.js';
export { LeadUpdater } from './leads.js';
export { MessageChangeApplier } from './message-changes.js';
export {
  OutboundService,
  type ReplyAnswer,
  type ReplyRequest,
  type StartRequest,
  type Upload,
} from './outbound.js';
export { backoffMs, ReplySender, type SenderOptions } from './sender.js';
export { SNOOZE_SWEEP_MS, SnoozeSweeper } from './snooze-sweeper.js';
export { StatusApplier } from './statuses.js';
export { TemplateCatalog } from './templates.js';
export { TriageService } from './triage.js';
export { type KnownUser, UserDirectory, type UserSockets } from './users.js';
