/**
 * Small files with the real signatures of their formats, and an upload
 * helper for `POST /api/conversations/{id}/media` (issue #15 §7). For tests only.
 */
import { randomBytes } from 'node:crypto';
import type { HttpResult } from './harness.js';

/** A PNG: the 8-byte signature, then noise. */
export const png = () =>
  Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), randomBytes(200)]);
/** A JPEG: SOI + APP0. */
export const jpeg = () => Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), randomBytes(200)]);
/** An OGG (Opus) voice note: `OggS` capture pattern. */
export const ogg = () => Buffer.concat([Buffer.from('OggS\0\x02', 'latin1'), randomBytes(300)]);
/** A PDF: `%PDF-1.7`. */
export const pdf = () =>
  Buffer.concat([Buffer.from('%PDF-1.7\n%\xe2\xe3\xcf\xd3\n', 'latin1'), randomBytes(100)]);
/** A Windows executable (`MZ`), the usual thing renamed to .pdf. */
export const exe = () => Buffer.concat([Buffer.from('MZ\x90\0\x03\0', 'latin1'), randomBytes(100)]);

export interface UploadOptions {
  kind: 'image' | 'document' | 'audio' | 'voice';
  contentType: string;
  caption?: string;
  fileName?: string;
  clientId?: string;
  replyTo?: string;
}

/** Posts `bytes` as the raw body of `POST /api/conversations/{id}/media`. */
export async function upload(
  baseUrl: string,
  token: string,
  conversationId: string,
  bytes: Buffer,
  o: UploadOptions,
): Promise<HttpResult> {
  const q = new URLSearchParams({ kind: o.kind });
  if (o.caption !== undefined) q.set('caption', o.caption);
  if (o.fileName !== undefined) q.set('file_name', o.fileName);
  if (o.clientId !== undefined) q.set('client_id', o.clientId);
  if (o.replyTo !== undefined) q.set('reply_to', o.replyTo);
  const res = await fetch(`${baseUrl}/api/conversations/${conversationId}/media?${q}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': o.contentType },
    body: new Uint8Array(bytes),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : {}, headers: res.headers };
}
