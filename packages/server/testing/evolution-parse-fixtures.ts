/**
 * Shared inputs of the Evolution parse tests (packages/server/src/providers/evolution/parse-*.test.ts):
 * a captured upsert (`capturedUpsert`), an inbound item wrapper, and `parsed`, which parses one
 * upsert item and asserts that it is a message (for tests only).
 */
import assert from 'node:assert/strict';
import { parseUpsertItem } from '../src/providers/evolution/parse.js';
import type { ParsedEvolutionMessage, UpsertItem } from '../src/providers/evolution/types.js';

export const RECEIVED_AT = 1_763_771_200_000;

/** An upsert captured from a real Evolution API v2 (shape as docs/api.md §1.5 describes it). */
export function capturedUpsert() {
  return {
    event: 'messages.upsert',
    instance: 'nome-da-instancia',
    data: {
      key: { remoteJid: '558197088404@s.whatsapp.net', fromMe: true, id: '3AE99D6A1DBF3F9A0578' },
      pushName: 'Nome do Remetente',
      status: 'SERVER_ACK',
      message: { conversation: 'Texto da mensagem' },
      messageType: 'conversation',
      messageTimestamp: 1763771103,
      instanceId: 'uuid-da-instancia',
      source: 'ios',
    },
    destination: 'https://seu-webhook.com/api/webhook',
    date_time: '2025-11-21T21:25:03.966Z',
    sender: '558196349077@s.whatsapp.net',
    server_url: 'http://localhost:8080',
    apikey: 'sua-api-key',
  };
}

/** Wraps a data item the way an inbound upsert carries it. */
export function inbound(message: unknown, extra: Record<string, unknown> = {}) {
  return {
    key: { remoteJid: '573001234567@s.whatsapp.net', fromMe: false, id: '3EB0A1B2C3D4E5F60718' },
    pushName: 'María Gómez',
    status: 'DELIVERY_ACK',
    message,
    messageType: 'conversation',
    messageTimestamp: 1763771103,
    instanceId: 'b1c0f5e2-8d7a-4a51-9f0e-2a4d6c8e0f11',
    source: 'android',
    ...extra,
  };
}

function message(item: UpsertItem): ParsedEvolutionMessage {
  assert.equal(item.kind, 'message', JSON.stringify(item));
  return (item as { kind: 'message'; message: ParsedEvolutionMessage }).message;
}

export function parsed(data: unknown): ParsedEvolutionMessage {
  return message(parseUpsertItem(data, RECEIVED_AT));
}

export function withKey(key: Record<string, unknown>, rest: Record<string, unknown> = {}) {
  return { ...inbound({ conversation: 'Oi' }), ...rest, key };
}
