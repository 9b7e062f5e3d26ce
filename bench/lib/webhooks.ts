/** Evolution `messages.upsert` webhooks as the load generators send them. */
import { Agent, request } from 'node:http';

/** A valid Colombian mobile number (E.164 digits, no `+`), unique per (tenant, phone). */
export function phoneFor(tenantIndex: number, phoneIndex: number): string {
  return `57300${String(tenantIndex * 1000 + phoneIndex).padStart(7, '0')}`;
}

/** The body of one text message from `phone` to `instance` (Evolution API v2 shape). */
export function upsertBody(instance: string, phone: string, id: string, text: string): string {
  return JSON.stringify({
    event: 'messages.upsert',
    instance,
    data: {
      key: { remoteJid: `${phone}@s.whatsapp.net`, fromMe: false, id },
      pushName: 'Bench',
      message: { conversation: text },
      messageType: 'conversation',
      messageTimestamp: Math.floor(Date.now() / 1000),
    },
  });
}

export interface PostResult {
  status: number;
  body: string;
}

/** Posts webhooks over keep-alive connections (node:http, lighter than fetch). */
export class WebhookPoster {
  readonly agent: Agent;

  constructor(connections = 16) {
    this.agent = new Agent({ keepAlive: true, maxSockets: connections });
  }

  /** Posts a webhook to a node (`baseUrl` = `http://host:port`). */
  post(baseUrl: string, body: string, timeoutMs = 30_000): Promise<PostResult> {
    return this.postTo(`${baseUrl}/webhooks/evolution`, body, timeoutMs);
  }

  /** Posts `body` (JSON) to any URL. */
  postTo(url: string, body: string, timeoutMs = 30_000): Promise<PostResult> {
    return new Promise((resolve, reject) => {
      const req = request(
        url,
        {
          method: 'POST',
          agent: this.agent,
          headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
          timeout: timeoutMs,
        },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (d: string) => {
            text += d;
          });
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(new Error('webhook timed out')));
      req.on('error', reject);
      req.end(body);
    });
  }

  /** Posts and checks the answer is an accepted message; returns its event seqs. */
  async accept(baseUrl: string, body: string): Promise<number[]> {
    const r = await this.post(baseUrl, body);
    if (r.status !== 200) throw new Error(`webhook answered ${r.status}: ${r.body}`);
    const parsed = JSON.parse(r.body) as { outcome?: string; seq?: number[] };
    if (parsed.outcome !== 'accepted') throw new Error(`webhook not accepted: ${r.body}`);
    return parsed.seq ?? [];
  }

  close(): void {
    this.agent.destroy();
  }
}
