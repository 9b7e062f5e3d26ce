/**
 * The signed-in session: the JWT and what it speaks for. Kept in memory and in
 * sessionStorage (this tab only, gone when the tab closes); never in a URL.
 */
import type { Me } from '@newton/protocol';
import { writable } from 'svelte/store';

export interface Session {
  token: string;
  tenantId: string;
  /** Every tenant the token names (several: the user picked `tenantId`). */
  tenants: string[];
  role: Me['role'];
  userId: string;
  /** Token expiry, epoch ms (null when the token has no readable `exp`). */
  expiresAt: number | null;
}

/** Why the session ended, when it did: shown on the sign-in screen and in the header. */
export type SessionEnd = 'expired' | 'unauthorized' | 'forbidden' | 'signed_out' | null;

const KEY = 'newton.session';

function load(): Session | null {
  try {
    const raw = globalThis.sessionStorage?.getItem(KEY);
    return raw ? (JSON.parse(raw) as Session) : null;
  } catch {
    return null;
  }
}

export const session = writable<Session | null>(load());
export const sessionEnd = writable<SessionEnd>(null);

export function signIn(s: Session): void {
  globalThis.sessionStorage?.setItem(KEY, JSON.stringify(s));
  sessionEnd.set(null);
  session.set(s);
}

/** Ends the session; `why` tells the UI what to say. */
export function signOut(why: Exclude<SessionEnd, null>): void {
  globalThis.sessionStorage?.removeItem(KEY);
  sessionEnd.set(why);
  session.set(null);
}

export interface TokenClaims {
  sub?: string;
  tenant_id?: string;
  tenants?: string[];
  role?: string;
  exp?: number;
}

/** Reads a JWT's claims without verifying it (the server verifies; this is for display and expiry). */
export function readClaims(token: string): TokenClaims | null {
  const part = token.split('.')[1];
  if (!part) return null;
  try {
    const b64 = part.replace(/-/g, '+').replace(/_/g, '/');
    const json = decodeURIComponent(
      Array.from(atob(b64), (c) => `%${c.charCodeAt(0).toString(16).padStart(2, '0')}`).join(''),
    );
    const claims = JSON.parse(json) as unknown;
    return claims && typeof claims === 'object' ? (claims as TokenClaims) : null;
  } catch {
    return null;
  }
}
