/**
 * An upload's bytes against its declared type (issue #15 §7): each accepted
 * format recognised by its signature, a renamed file refused as a mismatch,
 * a type the kind does not take refused as unsupported.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkUpload, sniff } from './media-sniff.js';

const bytes = (...parts: (string | number[])[]) =>
  Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'latin1') : Buffer.from(p))));

test('signatures: JPEG, PNG, PDF, Office (ZIP, OLE2), OGG, MP3 (ID3 and frame), MP4, ADTS AAC, AMR, text', () => {
  assert.equal(sniff(bytes([0xff, 0xd8, 0xff, 0xe0], 'JFIF')), 'jpeg');
  assert.equal(sniff(bytes([0x89], 'PNG\r\n\x1a\n', 'IHDR')), 'png');
  assert.equal(sniff(bytes('%PDF-1.7\n')), 'pdf');
  assert.equal(sniff(bytes('PK\x03\x04', '[Content_Types].xml')), 'zip');
  assert.equal(sniff(bytes([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1])), 'ole');
  assert.equal(sniff(bytes('OggS\0\x02')), 'ogg');
  assert.equal(sniff(bytes('ID3\x04\0')), 'mp3');
  assert.equal(sniff(bytes([0xff, 0xfb, 0x90, 0x64])), 'mp3');
  assert.equal(sniff(bytes([0, 0, 0, 0x20], 'ftypM4A ')), 'mp4');
  assert.equal(sniff(bytes([0xff, 0xf1, 0x50, 0x80])), 'aac');
  assert.equal(sniff(bytes('#!AMR\n')), 'amr');
  assert.equal(sniff(Buffer.from('Cotización: 3 × 12 €\r\nTotal 36 €', 'utf8')), 'text');
  assert.equal(sniff(bytes('MZ\x90\0\x03')), null, 'an executable is none of them');
  assert.equal(
    sniff(bytes('GIF89a')),
    'text',
    'GIF is not accepted, and reads as text, which no image type matches',
  );
});

test('checkUpload: the declared type must be accepted for the kind and match the bytes', () => {
  const pdf = bytes('%PDF-1.4\n');
  assert.deepEqual(checkUpload('document', 'application/pdf', pdf), {
    ok: true,
    mimeType: 'application/pdf',
  });
  assert.deepEqual(checkUpload('voice', 'audio/ogg; codecs=opus', bytes('OggS\0')), {
    ok: true,
    mimeType: 'audio/ogg',
  });
  const renamed = checkUpload('document', 'application/pdf', bytes('MZ\x90\0'));
  assert.equal(renamed.ok, false);
  assert.equal(!renamed.ok && renamed.reason, 'mismatch');
  const png = bytes([0x89], 'PNG\r\n\x1a\n');
  const lied = checkUpload('image', 'image/jpeg', png);
  assert.equal(!lied.ok && lied.reason, 'mismatch');
  const gif = checkUpload('image', 'image/gif', bytes('GIF89a'));
  assert.equal(!gif.ok && gif.reason, 'unsupported');
  const pdfAsImage = checkUpload('image', 'application/pdf', pdf);
  assert.equal(!pdfAsImage.ok && pdfAsImage.reason, 'unsupported');
  assert.equal(
    checkUpload('document', 'text/plain', Buffer.from([0x68, 0x00, 0x69])).ok,
    false,
    'NUL is not text',
  );
  assert.equal(
    checkUpload('document', 'text/plain', Buffer.from([0xc3, 0x28])).ok,
    false,
    'invalid UTF-8 is not text',
  );
});
