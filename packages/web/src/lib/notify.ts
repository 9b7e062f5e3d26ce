/**
 * New-message alerts (#15): while the tab is hidden, a customer's new message
 * shows a browser notification and plays a short sound. The setting is per
 * agent (tenant + user), kept in localStorage, on by default; the browser's
 * permission is asked once (the first time the agent clicks in the app, or
 * turns alerts on), never again after an answer. The unread count goes in the
 * document title (TitleCount.svelte).
 */
import type { NewMessageEvent } from '@newton/protocol';
import { get, writable } from 'svelte/store';
import { session } from './session.js';

const ASKED = 'newton.notify.asked';
const keyOf = () => {
  const s = get(session);
  return s ? `newton.notify.${s.tenantId}.${s.userId}` : null;
};

/** Whether this agent wants alerts (per agent, in localStorage). */
export const notifyOn = writable(true);

/** Reads this agent's setting (after sign-in). */
export function loadNotifySetting(): void {
  const key = keyOf();
  notifyOn.set(key ? localStorage.getItem(key) !== 'off' : true);
}

export function setNotify(on: boolean): void {
  const key = keyOf();
  if (key) localStorage.setItem(key, on ? 'on' : 'off');
  notifyOn.set(on);
  if (on) askOnce(true);
}

/** Asks for the notification permission once per browser (`force`: the agent just turned alerts on). */
export function askOnce(force = false): void {
  if (typeof Notification === 'undefined' || Notification.permission !== 'default') return;
  if (!force && localStorage.getItem(ASKED)) return;
  localStorage.setItem(ASKED, '1');
  void Notification.requestPermission().catch(() => {});
}

/** A new message arrived on the socket: alert when it is the customer's and the tab is hidden. */
export function notifyNewMessage(e: NewMessageEvent, title: string): void {
  if (e.message.direction !== 'inbound' || !get(notifyOn)) return;
  if (document.visibilityState !== 'hidden') return;
  beep();
  if (typeof Notification === 'undefined' || Notification.permission !== 'granted') return;
  const body = e.message.content ? e.message.content.slice(0, 140) : `[${e.message.type}]`;
  const n = new Notification(title, { body, tag: e.conversation_id });
  n.onclick = () => {
    window.focus();
    location.assign(`/c/${encodeURIComponent(e.conversation_id)}`);
    n.close();
  };
}

let audio: AudioContext | undefined;

/** Two short tones (no sound file to ship). Browsers allow it once the agent has interacted. */
function beep(): void {
  try {
    audio ??= new AudioContext();
    const at = audio.currentTime;
    for (const [i, freq] of [880, 1320].entries()) {
      const osc = audio.createOscillator();
      const gain = audio.createGain();
      osc.frequency.value = freq;
      gain.gain.setValueAtTime(0.08, at + i * 0.12);
      gain.gain.exponentialRampToValueAtTime(0.001, at + i * 0.12 + 0.11);
      osc.connect(gain).connect(audio.destination);
      osc.start(at + i * 0.12);
      osc.stop(at + i * 0.12 + 0.12);
    }
  } catch {
    // No audio here: the notification still shows.
  }
}
