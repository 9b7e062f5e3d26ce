/**
 * The lead panel's answers (#15) as zod schemas, checked against the
 * protocol's types like protocol-schemas.ts.
 */
import type { LeadDetail } from '@newton/protocol';
import { z } from 'zod';
import { Conversation, LeadItem, same } from './protocol-schemas.js';

export const LeadDetailAnswer = z.object({
  ...LeadItem.shape,
  first_contact_at: z.string().describe("ISO-8601 time of the lead's first message"),
  conversations: z
    .array(Conversation)
    .describe('Every conversation of the lead, on any number of the tenant'),
});
same<LeadDetail>()(LeadDetailAnswer, true);
