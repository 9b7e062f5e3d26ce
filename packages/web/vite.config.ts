import { sveltekit } from '@sveltejs/kit/vite';
import { defaultClientConditions, defaultServerConditions, defineConfig } from 'vite';

// `vite dev` proxies the API and the socket to a Newton on :8080 (`npm start`).
const target = process.env.NEWTON_URL ?? 'http://127.0.0.1:8080';

export default defineConfig({
  plugins: [sveltekit()],
  // @newton/client and @newton/protocol from their TypeScript sources (the `newton-source` export
  // condition), so `vite dev` and the build need no dist/ of theirs and see edits at once.
  resolve: { conditions: ['newton-source', ...defaultClientConditions] },
  ssr: { resolve: { conditions: ['newton-source', ...defaultServerConditions] } },
  // Rolldown's "bundlerTimings" report is noise in `npm install` output.
  build: { rolldownOptions: { checks: { bundlerTimings: false } } },
  server: {
    proxy: {
      '/api': target,
      '/ws': { target: target.replace(/^http/, 'ws'), ws: true },
    },
  },
});
