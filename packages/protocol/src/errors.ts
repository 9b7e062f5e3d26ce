/**
 * Stable codes carried by `error` frames (and by HTTP error bodies). Callers
 * branch on the code, never on the message.
 */
export const FrameErrorCode = {
  /** The frame was not valid JSON. */
  INVALID_JSON: 'invalid_json',
  /** The frame was JSON but not an object with a string `type`. */
  INVALID_FRAME: 'invalid_frame',
  /** `type` is not one the server understands. */
  UNKNOWN_TYPE: 'unknown_type',
  /** A known `type` with fields of the wrong shape. */
  INVALID_PAYLOAD: 'invalid_payload',
  /** `subscribe`/`unsubscribe` named a channel that does not exist. */
  UNKNOWN_CHANNEL: 'unknown_channel',
  /** Binary frames are not part of the protocol. */
  BINARY_NOT_SUPPORTED: 'binary_not_supported',
  /** A `resume` arrived while an earlier one is still replaying. */
  RESUME_IN_PROGRESS: 'resume_in_progress',
  /** The server could not read the event log for a resume; retry later. */
  RESUME_FAILED: 'resume_failed',
  /** **[addition]** A `typing` named a conversation the socket's tenant does not have. */
  UNKNOWN_CONVERSATION: 'unknown_conversation',
  /** **[addition]** Too many `typing` / `presence` frames on this socket; the frame was dropped. */
  RATE_LIMITED: 'rate_limited',
} as const;

export type FrameErrorCodeValue = (typeof FrameErrorCode)[keyof typeof FrameErrorCode];
