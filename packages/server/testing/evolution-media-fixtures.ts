/**
 * Evolution webhooks that embed their media (instance webhook `base64: true`),
 * and the node that receives them, for the webhook body tests (for tests only).
 *
 * Source of the shape: EvolutionAPI/evolution-api
 * `src/api/integrations/channel/whatsapp/whatsapp.baileys.service.ts`, the
 * `messages.upsert` handler (commit 00e191fff9514a2fa9d37d523a83ed2a9bf45e01):
 * with `this.localWebhook.webhookBase64` it sets
 * `messageRaw.message.base64 = buffer.toString('base64')` (the decrypted file)
 * beside `imageMessage`, then `sendDataWebhook(Events.MESSAGES_UPSERT, messageRaw)`;
 * the envelope (webhook.controller.ts, docs/api.md §1.1) writes `event` and
 * `instance` first. `fileLength` is the decrypted file's size.
 */
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { MediaRecord } from '../src/store/media-state.js';
import { imageMessage, type UpsertBody, type UpsertOptions, upsertBody } from './evolution-fixtures.js';
import { eventually, type TestNewton } from './harness.js';

/** `n` bytes that start like a JPEG (SOI + APP0 JFIF), the rest random. */
export function jpegBytes(n: number): Buffer {
  const bytes = randomBytes(n);
  Buffer.from('ffd8ffe000104a46494600', 'hex').copy(bytes);
  return bytes;
}

export const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

/**
 * A `messages.upsert` of a photo with the photo embedded as Evolution sends it.
 * `base64` replaces the encoding of `bytes` (e.g. a truncated one).
 */
export function base64ImageBody(
  bytes: Buffer,
  opts: UpsertOptions & { caption?: string; base64?: string } = {},
): UpsertBody {
  const message = imageMessage(opts.caption ?? 'foto del producto');
  (message.imageMessage as Record<string, unknown>).fileLength = String(bytes.length);
  message.base64 = opts.base64 ?? bytes.toString('base64');
  return upsertBody({ ...opts, message });
}

/**
 * Writes `base64ImageBody(<the bytes of imageFile>, opts)` as JSON to
 * `bodyFile` from another process, and resolves with its size: the tens of
 * MiB of strings that building it takes stay out of the heap of the node
 * under test, as they would with a real provider.
 */
export function writeBase64ImageBodyFile(
  imageFile: string,
  bodyFile: string,
  opts: UpsertOptions,
): Promise<number> {
  const script = `import { readFileSync, writeFileSync } from 'node:fs';
const [mod, imageFile, bodyFile, opts] = process.argv.slice(1);
const { base64ImageBody } = await import(mod);
const raw = Buffer.from(JSON.stringify(base64ImageBody(readFileSync(imageFile), JSON.parse(opts))));
writeFileSync(bodyFile, raw);
process.stdout.write(String(raw.length));`;
  const here = fileURLToPath(import.meta.url);
  const args = ['--import', 'tsx', '--input-type=module', '-e', script, import.meta.url, imageFile, bodyFile];
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [...args, JSON.stringify(opts)],
      { cwd: path.dirname(here) },
      (err, stdout) => {
        if (err) reject(err);
        else resolve(Number(stdout));
      },
    );
  });
}

/**
 * Waits until the media keeper has settled the media of `messageId` (ready,
 * or failed for now) and returns its record: where the bytes went, their
 * SHA-256, or why they are not there.
 */
export async function settledMedia(t: TestNewton, tenantId: string, messageId: string): Promise<MediaRecord> {
  let record: MediaRecord | undefined;
  await eventually(
    async () => {
      record = await t.node.store.mediaState.record(tenantId, messageId);
      return record !== undefined && record.state !== 'pending';
    },
    10_000,
    `the media of ${messageId} kept or failed`,
  );
  return record as MediaRecord;
}
