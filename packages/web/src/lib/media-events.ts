import { writable } from 'svelte/store';

/** Most message ids remembered; older ones have long been rendered. */
const KEEP = 500;

/**
 * Messages whose media Newton now keeps (`media_ready`): a bubble whose file
 * failed to load (the provider was slow or had forgotten it) tries again by
 * itself.
 */
export const mediaReady = writable<ReadonlySet<string>>(new Set());

export function onMediaReady(messageId: string): void {
  mediaReady.update((ids) => {
    const next = new Set(ids).add(messageId);
    if (next.size > KEEP) next.delete(next.values().next().value as string);
    return next;
  });
}
