import type { MediaInfo, MessageType, ProviderName } from '@newton/protocol';
import type { Kysely } from 'kysely';
import type { Instance, MessageExtra } from '../core/index.js';
import { instanceFromRow } from './mappers.js';
import type { Database } from './schema.js';

/** What is needed to fetch a message's media from its provider. */
export interface MediaSource {
  messageId: string;
  provider: ProviderName;
  providerMessageId: string;
  type: MessageType;
  /** The stored metadata; null when the message has none. */
  media: MediaInfo | null;
  /** The instance that received the message, with its credentials (never return or log them). */
  instance: Instance;
}

/** Lookups for `GET /api/messages/{id}/media`, always scoped to one tenant. */
export class MediaStore {
  constructor(private readonly db: Kysely<Database>) {}

  /** The message `messageId` of `tenantId` with its instance; undefined in any other tenant. */
  async findSource(tenantId: string, messageId: string): Promise<MediaSource | undefined> {
    const row = await this.db
      .selectFrom('messages as m')
      .innerJoin('instances as i', 'i.id', 'm.instance_id')
      .selectAll('i')
      .select([
        'm.id as message_id',
        'm.provider as message_provider',
        'm.provider_message_id',
        'm.type as message_type',
        'm.extra',
      ])
      .where('m.tenant_id', '=', tenantId)
      .where('m.id', '=', messageId)
      .executeTakeFirst();
    if (!row) return undefined;
    const extra: MessageExtra = row.extra ? JSON.parse(row.extra) : {};
    return {
      messageId: row.message_id,
      provider: row.message_provider as ProviderName,
      providerMessageId: row.provider_message_id,
      type: row.message_type as MessageType,
      media: extra.media ?? null,
      instance: instanceFromRow(row),
    };
  }
}
