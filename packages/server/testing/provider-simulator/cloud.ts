/**
 * The WhatsApp Cloud API (Graph API) on the provider simulator: sending
 * (`POST /{version}/{phone_number_id}/messages`, docs/api.md §1.8), media
 * metadata (`GET /{version}/{media-id}`) and the media download URL it
 * points to, with Meta's bearer checks and error bodies.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { randomWamid } from '../cloud-fixtures.js';
import { type CloudOutboundState, checkCloudMessage, installCloudOutbound } from './cloud-outbound.js';
import type { ProviderSimulator, SimRequest, SimResponse } from './server.js';

export { CLOUD_TEMPLATES, CLOUD_UPLOAD, type CloudTemplate, type CloudUpload } from './cloud-outbound.js';

export const CLOUD_SEND = 'cloud.messages';
const CLOUD_MEDIA = 'cloud.media';

/** The Graph API version segment the simulator answers under. */
const CLOUD_VERSION = 'v21.0';

export interface CloudSimOptions {
  /** phone_number_id → the access token it accepts. */
  numbers: Record<string, string>;
}

/** One text the simulated Cloud API "sent". */
export interface CloudSent {
  phoneNumberId: string;
  to: string;
  text: string;
  previewUrl: unknown;
  /** The wamid answered. */
  id: string;
  body: unknown;
  authorization: string | undefined;
}

export interface CloudMedia {
  mimeType: string;
  bytes: Buffer;
  /** Leave `file_size` out of the metadata answer. */
  hideSize?: boolean;
  /** Downloaded once, then gone (404), as Meta's media expire. */
  once?: boolean;
}

export interface CloudSim extends CloudOutboundState {
  /** The Graph base URL to configure an instance with (`--graph-url`). */
  readonly graphUrl: string;
  readonly sent: CloudSent[];
  /** Media by media id. */
  readonly media: Map<string, CloudMedia>;
  readonly nextIds: string[];
  /** Downloads served by the media host: media id and the Authorization header sent. */
  readonly downloads: { mediaId: string; authorization: string | undefined }[];
  /** Media ids whose download answers 500. */
  readonly brokenDownloads: Set<string>;
  /** Stops the media host (the simulator's own close() does not know it). */
  close(): Promise<void>;
}

/** Meta's error body (`{"error":{message,type,code,error_subcode?,fbtrace_id}}`). */
export function graphErrorBody(status: number, message: string, code: number, subcode?: number): SimResponse {
  return {
    status,
    body: {
      error: {
        message,
        type: code === 190 ? 'OAuthException' : 'OAuthException',
        code,
        ...(subcode === undefined ? {} : { error_subcode: subcode }),
        fbtrace_id: `A${randomBytes(8).toString('hex')}`,
      },
    },
  };
}

const BAD_TOKEN = () => graphErrorBody(401, 'Invalid OAuth access token - Cannot parse access token', 190);

function bearer(req: SimRequest): string | undefined {
  const h = req.headers.authorization;
  return h?.startsWith('Bearer ') ? h.slice(7) : undefined;
}

export function installCloud(sim: ProviderSimulator, opts: CloudSimOptions): CloudSim {
  const tokens = new Set(Object.values(opts.numbers));
  const host = new MediaHost(tokens);
  const state: CloudSim = {
    graphUrl: `${sim.url}/${CLOUD_VERSION}`,
    sent: [],
    media: host.media,
    nextIds: [],
    downloads: host.downloads,
    brokenDownloads: host.broken,
    uploads: new Map(),
    templates: new Map(),
    numberWaba: new Map(),
    close: () => host.close(),
  };
  installCloudOutbound(sim, CLOUD_VERSION, opts.numbers, state);

  sim.route('POST', `/${CLOUD_VERSION}/:phoneNumberId/messages`, CLOUD_SEND, (req) => {
    const phoneNumberId = req.params.phoneNumberId ?? '';
    const token = bearer(req);
    if (!token || !tokens.has(token)) return BAD_TOKEN();
    if (opts.numbers[phoneNumberId] !== token) {
      return graphErrorBody(
        400,
        `Unsupported post request. Object with ID '${phoneNumberId}' does not exist, cannot be loaded due to missing permissions, or does not support this operation.`,
        100,
        33,
      );
    }
    const body = (req.body ?? {}) as {
      messaging_product?: unknown;
      to?: unknown;
      type?: unknown;
      text?: { body?: unknown; preview_url?: unknown };
    };
    if (body.messaging_product !== 'whatsapp') {
      return graphErrorBody(400, '(#100) The parameter messaging_product is required.', 100);
    }
    if (typeof body.to !== 'string' || body.to === '') {
      return graphErrorBody(400, '(#100) The parameter to is required.', 100);
    }
    if (body.type !== 'text') {
      const refused = checkCloudMessage(phoneNumberId, req.body as Record<string, unknown>, state);
      if (refused) return refused;
    } else if (typeof body.text?.body !== 'string') {
      return graphErrorBody(400, "(#100) The parameter text['body'] is required.", 100);
    }
    if (body.type === 'text' && String(body.text?.body ?? '').length > 4096) {
      return graphErrorBody(400, "(#100) Param text['body'] must be at most 4096 characters long.", 100);
    }
    const id = state.nextIds.shift() ?? randomWamid();
    state.sent.push({
      phoneNumberId,
      to: body.to,
      text: typeof body.text?.body === 'string' ? body.text.body : '',
      previewUrl: body.text?.preview_url,
      id,
      body: req.body,
      authorization: req.headers.authorization,
    });
    return {
      status: 200,
      body: {
        messaging_product: 'whatsapp',
        contacts: [{ input: body.to, wa_id: body.to }],
        messages: [{ id }],
      },
    };
  });

  sim.route('GET', `/${CLOUD_VERSION}/:mediaId`, CLOUD_MEDIA, async (req) => {
    const token = bearer(req);
    if (!token || !tokens.has(token)) return BAD_TOKEN();
    const id = req.params.mediaId ?? '';
    const media = state.media.get(id);
    if (!media) {
      return graphErrorBody(
        400,
        `Unsupported get request. Object with ID '${id}' does not exist, cannot be loaded due to missing permissions, or does not support this operation.`,
        100,
        33,
      );
    }
    return {
      status: 200,
      body: {
        messaging_product: 'whatsapp',
        url: `${await host.url()}/whatsapp-media/${encodeURIComponent(id)}?ext=${Date.now()}`,
        mime_type: media.mimeType,
        sha256: createHash('sha256').update(media.bytes).digest('hex'),
        ...(media.hideSize ? {} : { file_size: media.bytes.length }),
        id,
      },
    };
  });

  return state;
}

/**
 * The download side of media (Meta's `lookaside.fbsbx.com`): raw bytes with
 * the bearer token, served by a small server of its own because the
 * simulator's routes answer JSON. Started on first use.
 */
class MediaHost {
  readonly media = new Map<string, CloudMedia>();
  readonly downloads: { mediaId: string; authorization: string | undefined }[] = [];
  readonly broken = new Set<string>();
  private server: Server | undefined;
  private started: Promise<string> | undefined;
  private readonly sockets = new Set<Socket>();

  constructor(private readonly tokens: Set<string>) {}

  url(): Promise<string> {
    this.started ??= new Promise((resolve) => {
      const server = createServer((req, res) => {
        const id = decodeURIComponent(new URL(req.url ?? '/', 'http://h').pathname.split('/').pop() ?? '');
        const authorization = req.headers.authorization;
        this.downloads.push({ mediaId: id, authorization });
        const token = authorization?.startsWith('Bearer ') ? authorization.slice(7) : undefined;
        const media = this.media.get(id);
        const json = (status: number, body: unknown) => {
          res.writeHead(status, { 'content-type': 'application/json' });
          res.end(JSON.stringify(body));
        };
        if (!token || !this.tokens.has(token)) return json(401, BAD_TOKEN().body);
        if (!media) return json(404, { error: { message: 'media not found', code: 404 } });
        if (this.broken.has(id))
          return json(500, { error: { message: 'An unknown error occurred', code: 1 } });
        if (media.once) this.media.delete(id);
        res.writeHead(200, { 'content-type': media.mimeType, 'content-length': media.bytes.length });
        res.end(media.bytes);
      });
      server.on('connection', (s) => {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
      });
      this.server = server;
      server.listen(0, '127.0.0.1', () =>
        resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`),
      );
    });
    return this.started;
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
