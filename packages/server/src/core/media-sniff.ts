/**
 * What an upload really is (issue #15 §7): the file's first bytes (its
 * "magic number") against the MIME type the client declared, so that a
 * renamed executable is never sent to a customer as a "PDF". Only the types
 * WhatsApp takes for each outbound kind are accepted (Meta's "Supported media
 * types": image JPEG/PNG; audio AAC, AMR, MP3, MP4 audio, OGG/Opus; documents
 * PDF, Office, plain text).
 */
import type { OutboundMediaKind } from './provider.js';

/** A file format recognised by its signature. */
export type Signature =
  | 'jpeg'
  | 'png'
  | 'pdf'
  | 'zip'
  | 'ole'
  | 'ogg'
  | 'mp3'
  | 'mp4'
  | 'aac'
  | 'amr'
  | 'text';

/** Declared MIME type (without parameters) → the signature its bytes must have. */
const DECLARED: Record<string, Signature> = {
  'image/jpeg': 'jpeg',
  'image/png': 'png',
  'application/pdf': 'pdf',
  'application/msword': 'ole',
  'application/vnd.ms-excel': 'ole',
  'application/vnd.ms-powerpoint': 'ole',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document': 'zip',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': 'zip',
  'application/vnd.openxmlformats-officedocument.presentationml.presentation': 'zip',
  'text/plain': 'text',
  'text/csv': 'text',
  'audio/ogg': 'ogg',
  'audio/mpeg': 'mp3',
  'audio/mp4': 'mp4',
  'audio/x-m4a': 'mp4',
  'audio/aac': 'aac',
  'audio/amr': 'amr',
};

const IMAGE = ['image/jpeg', 'image/png'];
const AUDIO = ['audio/ogg', 'audio/mpeg', 'audio/mp4', 'audio/x-m4a', 'audio/aac', 'audio/amr'];
const DOCUMENT = Object.keys(DECLARED).filter((m) => m.startsWith('application/') || m.startsWith('text/'));

/** The declared types each outbound kind accepts. */
export const ACCEPTED_TYPES: Record<OutboundMediaKind, readonly string[]> = {
  image: IMAGE,
  audio: AUDIO,
  voice: AUDIO,
  document: DOCUMENT,
};

const startsWith = (b: Buffer, sig: number[], at = 0) =>
  b.length >= at + sig.length && sig.every((x, i) => b[at + i] === x);

/** Plain text: valid UTF-8 without NUL or other control bytes (tab, CR, LF allowed). */
function isText(b: Buffer): boolean {
  const head = b.subarray(0, 64 * 1024);
  for (const x of head) if (x < 0x20 && x !== 0x09 && x !== 0x0a && x !== 0x0d) return false;
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(head.length < b.length ? trimUtf8(head) : head);
    return true;
  } catch {
    return false;
  }
}

/** Cuts a partial UTF-8 sequence off the end of a sample. */
function trimUtf8(b: Buffer): Buffer {
  const end = b.length;
  for (let i = 1; i <= 3 && end - i >= 0; i++) {
    const x = b[end - i] ?? 0;
    if ((x & 0xc0) === 0xc0) return b.subarray(0, end - i);
    if ((x & 0xc0) !== 0x80) break;
  }
  return b.subarray(0, end);
}

/** The signature of `bytes`, or null when none of the accepted formats matches. */
export function sniff(bytes: Buffer): Signature | null {
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) return 'jpeg';
  if (startsWith(bytes, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'png';
  if (startsWith(bytes, [0x25, 0x50, 0x44, 0x46, 0x2d])) return 'pdf'; // %PDF-
  if (startsWith(bytes, [0x50, 0x4b, 0x03, 0x04])) return 'zip';
  if (startsWith(bytes, [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1])) return 'ole';
  if (startsWith(bytes, [0x4f, 0x67, 0x67, 0x53])) return 'ogg'; // OggS
  if (startsWith(bytes, [0x49, 0x44, 0x33])) return 'mp3'; // ID3 tag
  if (startsWith(bytes, [0x66, 0x74, 0x79, 0x70], 4)) return 'mp4'; // ....ftyp
  if (startsWith(bytes, [0x23, 0x21, 0x41, 0x4d, 0x52])) return 'amr'; // #!AMR
  if (bytes.length >= 2 && bytes[0] === 0xff) {
    const b1 = bytes[1] ?? 0;
    if ((b1 & 0xf6) === 0xf0) return 'aac'; // ADTS: sync 0xFFF, layer 00
    if ((b1 & 0xe0) === 0xe0) return 'mp3'; // MPEG audio frame sync
  }
  if (bytes.length > 0 && isText(bytes)) return 'text';
  return null;
}

/** `audio/ogg; codecs=opus` → `audio/ogg`. */
export function baseMime(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}

export type UploadCheck =
  | { ok: true; mimeType: string }
  /** The declared type is not one this kind takes. */
  | { ok: false; reason: 'unsupported'; message: string }
  /** The bytes are not what the declared type says. */
  | { ok: false; reason: 'mismatch'; message: string };

/** Checks an upload's declared type against its kind and its bytes. */
export function checkUpload(kind: OutboundMediaKind, declared: string, bytes: Buffer): UploadCheck {
  const mime = baseMime(declared);
  const accepted = ACCEPTED_TYPES[kind];
  if (!accepted.includes(mime)) {
    return {
      ok: false,
      reason: 'unsupported',
      message: `a ${kind} must be one of ${accepted.join(', ')} (got ${mime || 'no content-type'})`,
    };
  }
  const want = DECLARED[mime];
  const got = sniff(bytes);
  if (got !== want) {
    return {
      ok: false,
      reason: 'mismatch',
      message: `the file's content is ${got ?? 'of an unknown format'}, not the declared ${mime}`,
    };
  }
  return { ok: true, mimeType: mime };
}
