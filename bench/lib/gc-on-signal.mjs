// Preloaded into servers in the memory scenario (node --expose-gc --import …):
// SIGUSR2 runs a full garbage collection, so that RSS can be read without
// the garbage that happens to be lying around. The server code is unchanged.
if (typeof globalThis.gc === 'function') {
  process.on('SIGUSR2', () => {
    globalThis.gc();
    globalThis.gc();
  });
}
