/**
 * Meta's phone-number node on the provider simulator: `GET /{version}/{phone_number_id}?fields=…`
 * with the number's bearer token answers the requested fields (Meta "WhatsApp Business Account
 * Phone Number API" reference; example body from its Account Number API page). A bad token is
 * 401 code 190, an unknown id 400 code 100/33 (Meta "Handling Errors"). It shares its path with
 * installCloud's media route, so install it on a simulator of its own.
 */
import { graphErrorBody } from './cloud.js';
import type { ProviderSimulator } from './server.js';

export const CLOUD_PHONE = 'cloud.phoneNumber';

export interface CloudPhoneRecord {
  /** The access token the number accepts. */
  token: string;
  /** e.g. CONNECTED, FLAGGED, RESTRICTED; null leaves it out. @default CONNECTED */
  status?: string | null;
  /** GREEN, YELLOW, RED, NA. @default GREEN */
  quality?: string;
}

/** Registers the node for `numbers` (phone_number_id → record; change records to change answers). */
export function installCloudPhone(
  sim: ProviderSimulator,
  numbers: Map<string, CloudPhoneRecord>,
): { graphUrl: string } {
  sim.route('GET', '/v21.0/:phoneNumberId', CLOUD_PHONE, (req) => {
    const id = req.params.phoneNumberId ?? '';
    const auth = req.headers.authorization;
    const token = auth?.startsWith('Bearer ') ? auth.slice(7) : undefined;
    const known = [...numbers.values()].some((n) => n.token === token);
    if (!token || !known) {
      return graphErrorBody(401, 'Invalid OAuth access token - Cannot parse access token', 190);
    }
    const n = numbers.get(id);
    if (!n || n.token !== token) {
      return graphErrorBody(
        400,
        `Unsupported get request. Object with ID '${id}' does not exist, cannot be loaded due to missing permissions, or does not support this operation.`,
        100,
        33,
      );
    }
    const all: Record<string, unknown> = {
      display_phone_number: '+57 300 123 4567',
      verified_name: 'Acme',
      quality_rating: n.quality ?? 'GREEN',
      ...(n.status === null ? {} : { status: n.status ?? 'CONNECTED' }),
      name_status: 'APPROVED',
      code_verification_status: 'VERIFIED',
    };
    const fields = (req.query.get('fields') ?? '').split(',').filter(Boolean);
    const body = Object.fromEntries(Object.entries(all).filter(([k]) => fields.includes(k)));
    return { status: 200, body: { ...body, id } };
  });
  return { graphUrl: `${sim.url}/v21.0` };
}
