/**
 * Newton asking the providers (#12): checks of each instance's session and
 * webhook settings, the periodic checker, and wiring Evolution's webhook.
 */
export {
  CHECK_LEASE,
  type CycleResult,
  checkable,
  UpstreamChecker,
  type UpstreamCheckerOptions,
} from './checker.js';
export { type UpstreamCheckOptions, UpstreamChecks } from './checks.js';
export {
  APPLIED_EVENTS,
  CHECKED_EVENTS,
  EVOLUTION_WEBHOOK_PATH,
  expectedWebhookUrl,
  judgeWebhook,
} from './webhook-rules.js';
export { PUBLIC_URL_FIX, WiringError, type WiringReport, wireWebhook } from './wiring.js';
