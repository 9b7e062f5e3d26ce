// A single-page app: every route renders in the browser (adapter-static with an index.html fallback).
export const ssr = false;
export const prerender = false;
export const trailingSlash = 'never';
