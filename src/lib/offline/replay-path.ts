/**
 * Which writes may travel in a batched replay (`POST /api/v1/offline/replay`). Shared by the
 * browser's outbox and the endpoint's schema (schemas/offline.ts); kept free of zod, because the
 * outbox is in every page's bundle.
 */

/** No query and no `%`: an encoded path could name the batch endpoint, or climb with `%2e%2e`, unseen by these checks. */
export const REPLAY_PATH = /^\/[A-Za-z0-9\-._~!$&'()*+,;=:@/]*$/;
export const climbs = (path: string) => path.includes('//') || path.split('/').some((s) => s === '.' || s === '..');
export const isBatch = (path: string) => /^\/offline\/replay(\/|$)/i.test(path);

/** Whether a write may travel in a batch (the outbox sends any other alone). */
export function isReplayablePath(path: string): boolean {
	return path.length <= 2000 && REPLAY_PATH.test(path) && !climbs(path) && !isBatch(path);
}
