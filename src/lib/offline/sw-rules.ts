/**
 * What the service worker may keep (shared by the worker and the pages that clear its caches).
 * Pure functions, no browser globals.
 */

/** The built assets and static files of one version: `hh-shell-<version>`. */
export const SHELL_CACHE_PREFIX = 'hh-shell-';
/** The signed-in user's pages and page data of one version: `hh-pages-<version>`. */
export const PAGES_CACHE_PREFIX = 'hh-pages-';

/**
 * Answers that are never kept for offline use: the JSON API (the record cache and the outbox
 * handle data), the sync socket, health and metrics, signing in and out, and the candidates'
 * public site (careers pages and signed offer links: other people's, and `no-store`).
 */
const NEVER = /^\/(api|collab|health|metrics|offer|careers|login|logout|setup)(\/|$)/;

export function isNeverCached(url: URL): boolean {
	return NEVER.test(url.pathname) || url.pathname === '/service-worker.js';
}

/** SvelteKit's data request of a page (client-side navigation). */
export function isPageData(url: URL): boolean {
	return url.pathname.endsWith('/__data.json');
}
