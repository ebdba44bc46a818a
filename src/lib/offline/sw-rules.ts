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

/** SvelteKit's query parameter naming which server loads a data request asks for (`10`, `100`…). */
const INVALIDATED_PARAM = 'x-sveltekit-invalidated';

/**
 * A data request that asks for the root layout's server data only (`1` then zeros): what a
 * client-side navigation to an app page sends, since the root layout reads the URL.
 */
export function asksRootLayoutOnly(url: URL): boolean {
	return isPageData(url) && /^10*$/.test(url.searchParams.get(INVALIDATED_PARAM) ?? '');
}

/**
 * The answer to such a request built from a stored root-layout node: that node, then `skip` for
 * every other node (as the server answers nodes it was not asked for).
 */
export function rootLayoutAnswer(url: URL, rootNode: string): string {
	const mask = url.searchParams.get(INVALIDATED_PARAM) ?? '1';
	const rest = Array.from({ length: Math.max(0, mask.length - 1) }, () => '{"type":"skip"}');
	return `{"type":"data","nodes":[${[rootNode, ...rest].join(',')}]}`;
}

/** The root layout's node of a data answer (its first line), as JSON text; null if it has none. */
export function rootLayoutNodeOf(answer: string): string | null {
	try {
		const first: unknown = JSON.parse(answer.split('\n', 1)[0]);
		if (!first || typeof first !== 'object' || !('type' in first) || first.type !== 'data') return null;
		const nodes = 'nodes' in first && Array.isArray(first.nodes) ? (first.nodes as unknown[]) : [];
		const root = nodes[0];
		if (!root || typeof root !== 'object' || !('type' in root) || root.type !== 'data') return null;
		return JSON.stringify(root);
	} catch {
		return null;
	}
}
