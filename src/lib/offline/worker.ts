/**
 * The offline app shell: the service worker's logic (issue 6, part 1). The worker's entry is
 * `src/service-worker/index.ts`, which passes in what `$service-worker` knows of the build.
 *
 * - The built assets and static files of this version are cached at install, in a cache named
 *   after the version (`hh-shell-<version>`), and served from it first.
 * - Pages (navigations) and their data (`__data.json`) go to the network first; a good answer is
 *   kept in `hh-pages-<version>` so that any page the user has opened opens again with no
 *   network. A page never opened shows a small offline page.
 * - Nothing else is kept: the JSON API, the sync socket, health and metrics, signing in and out,
 *   and the candidates' public site always go to the network (`sw-rules.ts`).
 * - A new version installs next to the old one and waits: the open pages are told, and the user
 *   reloads once (the page asks the waiting worker to take over, `pwa.svelte.ts`). Activation
 *   deletes the caches of older versions.
 *
 * The pages cache holds the signed-in user's pages: the page tells the worker who is signed in
 * (`{ type: 'user', id }`) and another user's pages are dropped at once; signing out deletes the
 * cache (`clear.ts`).
 *
 * The project type-checks with the DOM library, so the few service-worker types used here are
 * declared below instead of pulling in the conflicting WebWorker library.
 */
import { isNeverCached, isPageData, PAGES_CACHE_PREFIX, SHELL_CACHE_PREFIX } from './sw-rules';

export interface ExtendableEvent extends Event {
	waitUntil(promise: Promise<unknown>): void;
}

export interface FetchEvent extends ExtendableEvent {
	readonly request: Request;
	respondWith(response: Promise<Response> | Response): void;
}

export interface ExtendableMessageEvent extends ExtendableEvent {
	readonly data: unknown;
}

export interface WorkerScope {
	readonly location: { readonly origin: string };
	readonly clients: {
		claim(): Promise<void>;
		matchAll(options: { type: 'window' }): Promise<ReadonlyArray<{ postMessage(message: unknown): void }>>;
	};
	skipWaiting(): Promise<void>;
	addEventListener(type: 'install' | 'activate', listener: (event: ExtendableEvent) => void): void;
	addEventListener(type: 'fetch', listener: (event: FetchEvent) => void): void;
	addEventListener(type: 'message', listener: (event: ExtendableMessageEvent) => void): void;
}

export interface BuildManifest {
	/** The built files (`$service-worker` build). */
	build: string[];
	/** The static files. */
	files: string[];
	version: string;
}

/** The entry in the pages cache that records whose pages it holds. */
const OWNER_KEY = '/__hh/pages-owner';

const OFFLINE_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Offline · Hiring Hare</title>
<style>body{font:16px/1.5 system-ui,sans-serif;margin:0;display:grid;place-items:center;min-height:100vh;background:#f8fafc;color:#0f172a}
main{max-width:28rem;padding:2rem;text-align:center}img{width:3rem;height:3rem}a{color:#4f46e5;font-weight:600}</style></head>
<body><main><img src="/favicon.svg" alt=""><h1>You are offline</h1>
<p>This page has not been opened on this device yet, so it is not available without a network.
Pages you have opened before still work.</p><p><a href="/">Go to the dashboard</a></p></main></body></html>`;

/** SvelteKit's data request parameter: which layout/page server loads to rerun (`10`, `101`). */
const INVALIDATED_PARAM = 'x-sveltekit-invalidated';

/** Only the root layout's server load is asked for (the app pages below it have none). */
export function onlyRootInvalidated(mask: string | null): boolean {
	return mask !== null && /^10*$/.test(mask);
}

/** The data request of a page asking for the root layout's data only (kept for offline use). */
export function rootDataPath(page: string): string {
	const path = page.split('?')[0].replace(/\/$/, '');
	return `${path}/__data.json?${INVALIDATED_PARAM}=1`;
}

/** The root layout's node of a kept `__data.json` answer (its first line), if it holds data. */
export function rootNodeOf(text: string): unknown {
	try {
		const parsed: unknown = JSON.parse(text.split('\n')[0]);
		if (!parsed || typeof parsed !== 'object' || !('nodes' in parsed) || !Array.isArray(parsed.nodes)) return null;
		const [root]: unknown[] = parsed.nodes;
		return root && typeof root === 'object' && 'type' in root && root.type === 'data' ? root : null;
	} catch {
		return null;
	}
}

export function startServiceWorker(sw: WorkerScope, { build, files, version }: BuildManifest): void {
	const shellCache = `${SHELL_CACHE_PREFIX}${version}`;
	const pagesCache = `${PAGES_CACHE_PREFIX}${version}`;
	const shellFiles = [...build, ...files];
	const shellSet = new Set(shellFiles);

	sw.addEventListener('install', (event) => {
		event.waitUntil(caches.open(shellCache).then((cache) => cache.addAll(shellFiles)));
		// No skipWaiting here: a new version waits until the user reloads (or every tab is closed).
	});

	sw.addEventListener('activate', (event) => {
		event.waitUntil(
			(async () => {
				for (const name of await caches.keys()) {
					const ours = name.startsWith(SHELL_CACHE_PREFIX) || name.startsWith(PAGES_CACHE_PREFIX);
					if (ours && name !== shellCache && name !== pagesCache) await caches.delete(name);
				}
				// The first version takes the open pages at once (there was no worker before).
				await sw.clients.claim();
			})()
		);
	});

	/** Drops the cached pages when another user signs in on this browser. */
	async function setOwner(userId: string): Promise<void> {
		const stored = await (await caches.open(pagesCache)).match(OWNER_KEY);
		const owner = stored ? await stored.text() : null;
		if (owner === userId) return;
		if (owner !== null) await caches.delete(pagesCache);
		await (await caches.open(pagesCache)).put(OWNER_KEY, new Response(userId));
	}

	/**
	 * A page never opened here whose only server data is the root layout's (a record created
	 * offline, `/candidates/tmp-…`): every app page has the same root layout data for one user (the
	 * cache holds one user's pages), so it is answered from any kept data request. Without it the
	 * router falls back to a full load, which offline ends on the offline page.
	 */
	async function rootDataFallback(cache: Cache, url: URL): Promise<Response | undefined> {
		if (!onlyRootInvalidated(url.searchParams.get(INVALIDATED_PARAM))) return undefined;
		for (const key of await cache.keys()) {
			if (!isPageData(new URL(key.url))) continue;
			const response = await cache.match(key);
			const root = response ? rootNodeOf(await response.text()) : null;
			if (root) {
				return new Response(`${JSON.stringify({ type: 'data', nodes: [root] })}\n`, {
					headers: { 'content-type': 'application/json' }
				});
			}
		}
		return undefined;
	}

	/** Keeps a page the user is on (loaded from the network before this worker controlled it). */
	async function remember(path: string): Promise<void> {
		const url = new URL(path, sw.location.origin);
		if (url.origin !== sw.location.origin || isNeverCached(url)) return;
		const cache = await caches.open(pagesCache);
		if (await cache.match(url.href)) return;
		try {
			const response = await fetch(url.href, { credentials: 'same-origin', redirect: 'manual' });
			if (response.status === 200 && response.type === 'basic') await cache.put(url.href, response);
		} catch {
			// offline: nothing to keep
		}
	}

	sw.addEventListener('message', (event) => {
		const data = event.data;
		if (!data || typeof data !== 'object' || !('type' in data)) return;
		if (data.type === 'skip-waiting') {
			event.waitUntil(sw.skipWaiting());
		} else if (data.type === 'user' && 'id' in data && typeof data.id === 'string') {
			// The page that was loaded before this worker took over is kept too (`url`).
			const url = 'url' in data && typeof data.url === 'string' ? data.url : null;
			event.waitUntil(
				setOwner(data.id).then(async () => {
					if (!url) return;
					await remember(url);
					await remember(rootDataPath(url));
				})
			);
		}
	});

	/** Tells the open pages whether the server answered (the connection status listens). */
	async function tellClients(reachable: boolean): Promise<void> {
		for (const client of await sw.clients.matchAll({ type: 'window' })) {
			client.postMessage({ type: 'network', reachable });
		}
	}

	async function networkFirst(request: Request, url: URL): Promise<Response> {
		const cache = await caches.open(pagesCache);
		try {
			const response = await fetch(request);
			void tellClients(true);
			// Only complete, same-origin, successful answers: never a redirect (to the login page)
			// or an error page.
			if (response.status === 200 && response.type === 'basic' && !response.redirected) {
				await cache.put(request, response.clone());
			}
			return response;
		} catch (err) {
			void tellClients(false);
			const cached =
				(await cache.match(request)) ??
				(isPageData(url) ? await rootDataFallback(cache, url) : await cache.match(url.pathname));
			if (cached) return cached;
			if (request.mode === 'navigate') {
				return new Response(OFFLINE_PAGE, {
					status: 503,
					headers: { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }
				});
			}
			throw err;
		}
	}

	async function shellFirst(request: Request): Promise<Response> {
		const cached = await caches.match(request, { cacheName: shellCache });
		return cached ?? fetch(request);
	}

	sw.addEventListener('fetch', (event) => {
		const request = event.request;
		if (request.method !== 'GET') return;
		const url = new URL(request.url);
		if (url.origin !== sw.location.origin) return;
		if (shellSet.has(url.pathname)) {
			event.respondWith(shellFirst(request));
			return;
		}
		if (isNeverCached(url)) return;
		if (request.mode === 'navigate' || isPageData(url)) {
			event.respondWith(networkFirst(request, url));
		}
	});
}
