/**
 * The answer of `GET /api/search` (packages/protocol search.ts) as a zod
 * schema for the OpenAPI document, checked at compile time against the
 * protocol's type like the others (protocol-schemas.ts).
 */
import type { SearchAnswer as SearchAnswerType } from '@newton/protocol';
import { z } from 'zod';
import { Conversation, LeadItem, Message, same } from './protocol-schemas.js';

const highlight = z
  .tuple([z.number().int(), z.number().int()])
  .describe('[start, end) of a match, in UTF-16 code units');

export const SearchAnswer = z.object({
  terms: z.array(z.string()).describe('The folded terms the query was read as'),
  messages: z.array(
    z.object({
      message: Message,
      conversation: Conversation,
      snippet: z
        .string()
        .describe('At most ~160 characters around the first match; `…` where text was left out'),
      highlights: z.array(highlight),
    }),
  ),
  leads: z.array(
    z.object({
      lead: LeadItem,
      conversation_id: z.string().nullable(),
      highlights: z.object({
        name: z.array(highlight),
        phone: z.array(highlight),
        profile_name: z
          .array(highlight)
          .optional()
          .describe('The matches in `lead.profile_name`, there when agents renamed the lead'),
      }),
    }),
  ),
  next_cursor: z.string().nullable(),
});
same<SearchAnswerType>()(SearchAnswer, true);
