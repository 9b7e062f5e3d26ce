/**
 * What Meta says of a Cloud API number: `GET {graph}/{phone_number_id}?fields=…`
 * with the number's access token (Meta "WhatsApp Business Account Phone
 * Number API" reference: `status` e.g. CONNECTED, `quality_rating`
 * GREEN/YELLOW/RED/NA, `name_status`, `code_verification_status`). Errors
 * follow Meta's "Handling Errors" guide: code 190 is an invalid or expired
 * token; code 100 (subcode 33) an id that does not exist or the token cannot see.
 */
import type { Instance, InstanceProblem } from '../../core/index.js';
import { str } from '../json-read.js';
import { callUpstream } from '../upstream-call.js';
import { sendErrorProblem } from './account.js';
import { describeGraphError, graphBase, graphError, graphHeaders } from './graph.js';

const FIELDS =
  'display_phone_number,verified_name,quality_rating,status,name_status,code_verification_status';

/** The fields Newton asks Meta for; each null when Meta left it out. */
export interface CloudPhoneInfo {
  displayPhoneNumber: string | null;
  verifiedName: string | null;
  qualityRating: string | null;
  status: string | null;
  nameStatus: string | null;
  codeVerificationStatus: string | null;
}

export type CloudPhoneAnswer =
  | { ok: true; phone: CloudPhoneInfo }
  | {
      ok: false;
      /**
       * `token_invalid` (190), `wrong_id` (100: unknown id or not visible to the token),
       * `unauthorized` (another 401/403), `http` (any other error), `timeout`, `unreachable`.
       */
      kind: 'token_invalid' | 'wrong_id' | 'unauthorized' | 'http' | 'timeout' | 'unreachable';
      status?: number;
      /** Meta's message with its code and fbtrace_id; never the token. */
      reason: string;
      /** What a send refused with this error would say of the number (token, permission, locked account). */
      problem?: InstanceProblem;
    };

/** Asks Meta about the instance's phone_number_id; never throws. */
export async function checkCloudPhone(instance: Instance, timeoutMs: number): Promise<CloudPhoneAnswer> {
  const url = `${graphBase(instance)}/${encodeURIComponent(instance.name)}?fields=${FIELDS}`;
  const res = await callUpstream(url, { headers: graphHeaders(instance), timeoutMs });
  if (res.ok) {
    const b = (res.body ?? {}) as Record<string, unknown>;
    return {
      ok: true,
      phone: {
        displayPhoneNumber: str(b.display_phone_number),
        verifiedName: str(b.verified_name),
        qualityRating: str(b.quality_rating),
        status: str(b.status),
        nameStatus: str(b.name_status),
        codeVerificationStatus: str(b.code_verification_status),
      },
    };
  }
  if (res.kind !== 'http') return { ok: false, kind: res.kind, reason: res.reason };
  const e = graphError(res.body);
  const reason = describeGraphError(res.status, e);
  const kind =
    e?.code === 190
      ? 'token_invalid'
      : e?.code === 100
        ? 'wrong_id'
        : res.status === 401 || res.status === 403
          ? 'unauthorized'
          : 'http';
  const problem = sendErrorProblem(e, instance.name);
  return { ok: false, kind, status: res.status, reason, ...(problem ? { problem } : {}) };
}
