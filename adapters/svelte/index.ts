/** livebind/svelte: Svelte 5 bindings (see liveQuery.svelte.ts). */
export * from './liveQuery.svelte.js';
