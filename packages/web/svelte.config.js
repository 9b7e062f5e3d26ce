// SvelteKit as a static single-page app: every route renders in the browser,
// and the server answers unknown paths with index.html (packages/server/src/http/web-routes.ts).
import adapter from '@sveltejs/adapter-static';
import { vitePreprocess } from '@sveltejs/vite-plugin-svelte';

/** @type {import('@sveltejs/kit').Config} */
export default {
  preprocess: vitePreprocess(),
  kit: {
    adapter: adapter({ pages: 'build', assets: 'build', fallback: 'index.html', strict: true }),
    alias: {},
  },
};
