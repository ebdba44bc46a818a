/**
 * The offline interview kit in the browser (issue 6, part 2): after sign-in and whenever the
 * browser comes back online, one request (`GET /api/v1/offline/kit`) says what the signed-in user
 * needs for their interviews of the next 7 days; its answers go into the record cache under the
 * paths the interview room loads, and its live documents (the notes, the user's own scorecard,
 * the boards of their requirements) are synced into y-indexeddb in the background — a few at a
 * time, skipping those synced recently — so they open offline without having been opened.
 */
import { openDocument } from '../collab/provider';
import { createApi } from '../api/client';
import { storeResponse, cachedResponse } from './records';
import { unsyncedDocuments } from './documents';
import { hasSignedOut } from './session';

export interface KitDocument {
	name: string;
	access: 'read' | 'write';
}

export interface KitInterview {
	interview: { id: string; candidate_id: string; scorecard_template_id: string | null } & Record<string, unknown>;
	candidate: ({ id: string; name: string } & Record<string, unknown>) | null;
	cv: { id: string; file_name: string; text: string | null } | null;
	template: ({ id: string } & Record<string, unknown>) | null;
	documents: KitDocument[];
}

export interface OfflineKit {
	generated_at: string;
	until: string;
	interviews: KitInterview[];
	boards: KitDocument[];
}

export const KIT_PATH = '/offline/kit';
/** Documents synced at once. */
export const KIT_CONCURRENCY = 3;
/** A document synced this recently is not synced again. */
export const KIT_FRESH_MS = 5 * 60_000;
/** How long after the page has loaded the kit is refreshed (its own requests go first). */
export const KIT_START_DELAY_MS = 1_500;
/** Gives up on one document after this long (it is tried again next time). */
const SYNC_TIMEOUT_MS = 20_000;

const syncedKey = (userId: string) => `hh:${userId}:kit-synced`;

function readSynced(userId: string): Record<string, number> {
	try {
		const stored: unknown = JSON.parse(localStorage.getItem(syncedKey(userId)) ?? '{}');
		return stored && typeof stored === 'object' ? (stored as Record<string, number>) : {};
	} catch {
		return {};
	}
}

function markSynced(userId: string, name: string): void {
	try {
		const synced = readSynced(userId);
		synced[name] = Date.now();
		localStorage.setItem(syncedKey(userId), JSON.stringify(synced));
	} catch {
		// storage full or disabled: the document is synced again next time
	}
}

/** Forgets which kit documents were synced when (sign-out deletes the documents themselves). */
export function forgetKitMarks(userId: string): void {
	try {
		localStorage.removeItem(syncedKey(userId));
	} catch {
		// storage disabled: nothing was kept
	}
}

/** Opens one document with its offline copy, waits until it is synced with the server, closes it. */
function syncDocument(userId: string, name: string): Promise<boolean> {
	return new Promise((resolve) => {
		let done = false;
		let timer: ReturnType<typeof setTimeout> | undefined = undefined;
		const finish = (ok: boolean) => {
			if (done) return;
			done = true;
			clearTimeout(timer);
			// Let y-indexeddb store what the sync brought before the copy is released.
			setTimeout(() => {
				opened.destroy();
				resolve(ok);
			}, 200);
		};
		// Synced both ways: the server's state is in, and what this browser changed offline was
		// acknowledged by the server (a document edited offline is pushed here too).
		const settled = () => {
			if (opened.provider.isSynced && !opened.provider.hasUnsyncedChanges) finish(true);
		};
		const opened = openDocument(
			name,
			{
				onSynced: settled,
				onStatus: (status) => {
					if (status === 'refused') finish(false);
				}
			},
			{ offlineUserId: userId }
		);
		opened.provider.on('unsyncedChanges', settled);
		timer = setTimeout(() => finish(false), SYNC_TIMEOUT_MS);
	});
}

/** Runs `work` over `items`, at most `limit` at a time. */
async function pool<T>(items: T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
	let next = 0;
	const runners = Array.from({ length: Math.min(limit, items.length) }, async () => {
		while (next < items.length) await work(items[next++]);
	});
	await Promise.all(runners);
}

/** Puts the kit's answers into the record cache where the interview room looks for them. */
async function storeKit(kit: OfflineKit): Promise<void> {
	await storeResponse(KIT_PATH, kit);
	for (const item of kit.interviews) {
		const id = item.interview.id;
		await storeResponse(`/interviews/${id}`, item.interview);
		if (item.template) await storeResponse(`/scorecard-templates/${item.template.id}`, item.template);
		if (item.candidate) {
			await storeResponse(`/candidates/${item.candidate.id}`, {
				...item.candidate,
				documents: item.cv ? [{ id: item.cv.id, kind: 'cv', file_name: item.cv.file_name }] : []
			});
		}
	}
}

/**
 * Asks the service worker to keep the interview room page of each kit interview (its `user`
 * message: the worker fetches and keeps the page for this user), so that it opens offline also
 * as a full page load — a bookmark, a reload, a link while SvelteKit's data request fails.
 */
async function keepPages(userId: string, kit: OfflineKit): Promise<void> {
	if (typeof navigator === 'undefined' || !('serviceWorker' in navigator)) return;
	const registration = await Promise.race([
		navigator.serviceWorker.ready,
		new Promise<null>((resolve) => setTimeout(() => resolve(null), 10_000))
	]);
	const worker = registration?.active;
	if (!worker) return;
	const paths = kit.interviews.map((item) => `/interviews/${item.interview.id}`);
	for (const url of paths) worker.postMessage({ type: 'user', id: userId, url });
	// The kit counts as ready once the worker has kept the pages (a few seconds at most).
	const deadline = Date.now() + 10_000;
	while (typeof caches !== 'undefined' && Date.now() < deadline) {
		const kept = await Promise.all(paths.map((p) => caches.match(new URL(p, location.origin).href)));
		if (kept.every(Boolean)) return;
		await new Promise((resolve) => setTimeout(resolve, 200));
	}
}

/** The cached kit entry of one interview (CV text and the rest), e.g. for the interview room offline. */
export async function cachedKitInterview(interviewId: string): Promise<KitInterview | null> {
	const cached = await cachedResponse(KIT_PATH);
	const kit = cached?.body as OfflineKit | undefined;
	return kit?.interviews?.find((i) => i.interview.id === interviewId) ?? null;
}

export interface PrefetchResult {
	interviews: number;
	synced: string[];
	skipped: string[];
	failed: string[];
}

let running: Promise<PrefetchResult | null> | null = null;

/**
 * Fetches the kit of `userId` and syncs its documents. One run at a time; null when offline or
 * when the kit could not be fetched (the cache keeps what an earlier run stored).
 */
export function prefetchKit(userId: string, fetchFn: typeof fetch = fetch): Promise<PrefetchResult | null> {
	running ??= (async (): Promise<PrefetchResult | null> => {
		if (typeof navigator !== 'undefined' && !navigator.onLine) return null;
		const kit = await createApi(fetchFn)
			.get<OfflineKit>(KIT_PATH)
			.catch(() => null);
		if (!kit) return null;
		await storeKit(kit);
		await keepPages(userId, kit);
		const feedback = kit.interviews.map((i) => `/interviews/${i.interview.id}/feedback`);
		await pool(feedback, KIT_CONCURRENCY, async (path) => {
			const answer = await createApi(fetchFn)
				.get(path)
				.catch(() => null);
			if (answer) await storeResponse(path, answer);
		});
		// Documents changed offline (any, not only the kit's) are pushed whether fresh or not: a
		// board moved offline reaches the server on reconnect even when no page has it open.
		const unsynced = new Set(unsyncedDocuments(userId));
		const kitNames = [...kit.interviews.flatMap((i) => i.documents), ...kit.boards].map((d) => d.name);
		const names = [...new Set([...kitNames, ...unsynced])];
		const synced = readSynced(userId);
		const result: PrefetchResult = { interviews: kit.interviews.length, synced: [], skipped: [], failed: [] };
		const due = names.filter((name) => {
			const fresh = !unsynced.has(name) && Date.now() - (synced[name] ?? 0) < KIT_FRESH_MS;
			if (fresh) result.skipped.push(name);
			return !fresh;
		});
		await pool(due, KIT_CONCURRENCY, async (name) => {
			// A document opened after sign-out would put their copy back on this device.
			if (hasSignedOut(userId)) return;
			if (await syncDocument(userId, name)) {
				markSynced(userId, name);
				result.synced.push(name);
			} else result.failed.push(name);
		});
		return result;
	})().finally(() => {
		running = null;
	});
	return running;
}

/**
 * Keeps the kit of the signed-in user fresh: {@link KIT_START_DELAY_MS} after the page has
 * loaded, and every time the browser comes back online.
 * Returns the function that stops it (on sign-out).
 */
export function keepKitFresh(userId: string): () => void {
	const run = () => {
		void prefetchKit(userId).then(
			(result) => {
				// Says when the kit is in (the e2e test and the app's status panel can wait on it).
				if (result && !hasSignedOut(userId)) {
					document.documentElement.dataset.offlineKit = result.failed.length ? 'partial' : 'ready';
					window.dispatchEvent(new CustomEvent('hh:offline-kit', { detail: result }));
				}
			},
			(error: unknown) => {
				// Sign-out deleted the stores under the kit: nothing is left to fetch it for.
				if (!hasSignedOut(userId)) throw error;
			}
		);
	};
	// The page's own first requests and live documents go first: started at once, the kit's
	// fetches and its three document syncs competed with them for the server (on a 500-card board
	// they were four WebSockets opening at once, one of them the board's own).
	let timer: ReturnType<typeof setTimeout> | null = null;
	const startLater = () => {
		window.removeEventListener('load', startLater);
		timer = setTimeout(() => {
			timer = null;
			run();
		}, KIT_START_DELAY_MS);
	};
	if (document.readyState === 'complete') startLater();
	else window.addEventListener('load', startLater);
	window.addEventListener('online', run);
	return () => {
		window.removeEventListener('load', startLater);
		if (timer) clearTimeout(timer);
		window.removeEventListener('online', run);
	};
}
