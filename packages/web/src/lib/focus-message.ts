/**
 * Brings a message of the open thread into view and marks it for a moment
 * (a search result opened in its thread, #15 §6). Runs after the thread's own
 * scroll keeping (which puts a freshly loaded thread at its bottom); returns
 * the clean-up for a Svelte effect.
 */
const MARK_MS = 2500;

export function focusMessage(scroller: HTMLElement, messageId: string): () => void {
  let done = false;
  let clear: ReturnType<typeof setTimeout> | undefined;
  const attempt = (): boolean => {
    if (done) return true;
    const el = scroller.querySelector<HTMLElement>(
      `[data-testid="message"][data-id="${CSS.escape(messageId)}"]`,
    );
    if (!el) return false;
    done = true;
    el.scrollIntoView({ block: 'center' });
    el.dataset.focused = 'true';
    clear = setTimeout(() => delete el.dataset.focused, MARK_MS);
    return true;
  };
  // After the DOM update and the thread's scroll-to-bottom of a first load.
  const frame = requestAnimationFrame(() => {
    if (!attempt()) observer.observe(scroller, { childList: true, subtree: true });
  });
  const observer = new MutationObserver(() => {
    if (attempt()) observer.disconnect();
  });
  return () => {
    cancelAnimationFrame(frame);
    observer.disconnect();
    clearTimeout(clear);
  };
}
