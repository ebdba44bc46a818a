import type { Runtime } from '../runtime';

/** Thrown when the per-minute Gemini budget is spent and the caller may not wait. */
export class BudgetExhausted extends Error {
	override name = 'BudgetExhausted';
	constructor(readonly retryInMs: number) {
		super(`The AI budget for this minute is used up (next slot in ${Math.ceil(retryInMs / 1000)} s)`);
	}
}

const MINUTE_MS = 60_000;

/** Per runtime (embedded mode): the calls counted in the current minute. */
const localCounters = new WeakMap<Runtime, { minute: number; used: number }>();

/** Counts one call in the current minute; returns how many were counted in it, this one included. */
async function countCall(rt: Runtime, minute: number): Promise<number> {
	if (rt.redis) {
		// Shared by every process of a distributed deployment: one budget, however many workers.
		const key = `${rt.config.REDIS_PREFIX}:ai:budget:${minute}`;
		const [[, used]] = (await rt.redis
			.multi()
			.incr(key)
			.pexpire(key, 2 * MINUTE_MS)
			.exec()) as [[Error | null, number]];
		return used;
	}
	const counter = localCounters.get(rt);
	if (!counter || counter.minute !== minute) {
		localCounters.set(rt, { minute, used: 1 });
		return 1;
	}
	counter.used += 1;
	return counter.used;
}

/**
 * Takes one Gemini call from the per-minute budget (GEMINI_REQUESTS_PER_MINUTE). Background
 * jobs `wait` for the next minute when it is spent; interactive callers get BudgetExhausted at
 * once and answer with their heuristic instead. Aborting the signal stops the wait.
 */
export async function takeBudget(rt: Runtime, options: { wait: boolean; signal?: AbortSignal }): Promise<void> {
	const limit = rt.config.GEMINI_REQUESTS_PER_MINUTE;
	for (;;) {
		const now = Date.now();
		const minute = Math.floor(now / MINUTE_MS);
		const used = await countCall(rt, minute);
		if (used <= limit) return;
		const retryInMs = (minute + 1) * MINUTE_MS - now + Math.floor(Math.random() * 250);
		if (!options.wait) throw new BudgetExhausted(retryInMs);
		await sleep(retryInMs, options.signal);
	}
}

/** Waits `ms`, or rejects as soon as `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
	return new Promise((resolve, reject) => {
		if (signal?.aborted) {
			reject(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
			return;
		}
		const timer = setTimeout(() => {
			signal?.removeEventListener('abort', onAbort);
			resolve();
		}, ms);
		const onAbort = () => {
			clearTimeout(timer);
			reject(signal?.reason instanceof Error ? signal.reason : new Error('aborted'));
		};
		signal?.addEventListener('abort', onAbort, { once: true });
	});
}
