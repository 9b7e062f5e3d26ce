/**
 * One socket: builds the URL, opens it, parses frames and reports how it
 * closed. It reports nothing after `abandon()`, so the service never has to
 * ask which socket a late callback belongs to.
 */
import { CloseCode, type ServerFrame } from '@newton/protocol';
import type { WebSocketConstructor, WebSocketLike } from './options.js';

/** Close code the SDK uses when it closes a socket itself (stale, or too slow to connect). */
export const CLIENT_CLOSE = 4000;

/** What a close code means for the next step. */
export type CloseOutcome =
  /** Network failure, 1006, 1009, 1011, 4008, anything unknown: reconnect with backoff. */
  | 'retry'
  /** 1012: the server restarts; reconnect promptly with a little jitter. */
  | 'restart'
  /** 4401: the token was refused or expired; one retry with a fresh token. */
  | 'auth'
  /** 4403, 4404: no access to this tenant (or no such tenant); stop. */
  | 'forbidden';

export function classifyClose(code: number): CloseOutcome {
  switch (code) {
    case CloseCode.UNAUTHORIZED:
      return 'auth';
    case CloseCode.FORBIDDEN:
    case CloseCode.UNKNOWN_TENANT:
      return 'forbidden';
    case CloseCode.SERVICE_RESTART:
      return 'restart';
    default:
      return 'retry';
  }
}

/** `ws(s)://…/ws/conversations/{tenant}?token=…[&since=…]` from an http(s) or ws(s) base URL. */
export function socketUrl(baseUrl: string, tenantId: string, token: string, since: number | null): string {
  const base = baseUrl.replace(/^http/, 'ws').replace(/\/+$/, '');
  const query = `token=${encodeURIComponent(token)}${since === null ? '' : `&since=${since}`}`;
  return `${base}/ws/conversations/${encodeURIComponent(tenantId)}?${query}`;
}

export interface ConnectionCallbacks {
  /** A parsed frame (an object with a string `type`); `raw` is the text as received. */
  frame(frame: ServerFrame, raw: string): void;
  /** Called once when the socket closes, unless it was abandoned first. */
  close(code: number, reason: string): void;
  /** A text that is not a JSON frame (logged, otherwise ignored). */
  invalid(raw: unknown): void;
}

export class Connection {
  private readonly ws: WebSocketLike;
  private done = false;
  private attached = true;

  constructor(
    Impl: WebSocketConstructor,
    url: string,
    private readonly cb: ConnectionCallbacks,
  ) {
    this.ws = new Impl(url);
    this.ws.addEventListener('message', this.onMessage);
    this.ws.addEventListener('close', this.onClose);
    // A failed socket also fires `close`; the error itself carries nothing useful.
    this.ws.addEventListener('error', this.onError);
  }

  /** Sends a text frame; false when the socket is not open. */
  send(data: string): boolean {
    if (this.done || this.ws.readyState !== 1) return false;
    try {
      this.ws.send(data);
      return true;
    } catch {
      return false;
    }
  }

  /**
   * Closes the socket and stops reporting. The listeners go at once; on a
   * socket still in its handshake they go with its `close` event (the `ws`
   * package reports an aborted handshake as an `error`, which must be heard).
   */
  abandon(code: number, reason: string): void {
    if (this.done) return;
    this.done = true;
    const connecting = this.ws.readyState === 0;
    try {
      this.ws.close(code, reason);
    } catch {
      // Already closing.
    }
    if (!connecting) this.detach();
  }

  private detach(): void {
    if (!this.attached) return;
    this.attached = false;
    this.ws.removeEventListener('message', this.onMessage);
    this.ws.removeEventListener('close', this.onClose);
    this.ws.removeEventListener('error', this.onError);
  }

  private readonly onMessage = (event: { data?: unknown }): void => {
    if (this.done) return;
    const raw = event.data;
    let frame: unknown;
    try {
      frame = typeof raw === 'string' ? JSON.parse(raw) : undefined;
    } catch {
      frame = undefined;
    }
    if (frame && typeof frame === 'object' && typeof (frame as { type?: unknown }).type === 'string') {
      this.cb.frame(frame as ServerFrame, raw as string);
    } else {
      this.cb.invalid(raw);
    }
  };

  private readonly onClose = (event: { code?: number; reason?: string }): void => {
    this.detach();
    if (this.done) return;
    this.done = true;
    this.cb.close(event.code ?? 1006, event.reason ?? '');
  };

  private readonly onError = (): void => {};
}
