import { and, eq, lt, sql } from 'drizzle-orm';
import type { Executor } from '../db/client';
import { searchQuota } from '../db/schema';
import { AppError, TooManyRequests } from '../errors';
import type { Runtime } from '../runtime';
import type { CseItem } from './xray';

/**
 * The Google Custom Search JSON API (`GET …/customsearch/v1?key&cx&q&start&num`) and its daily
 * quota: every query is counted in `search_quota` before it is sent, atomically, so two users
 * searching at once cannot go over GOOGLE_CSE_DAILY_QUOTA between them.
 */

/** The endpoint: GOOGLE_CSE_BASE_URL as configured; a bare host gets `/customsearch/v1`. */
export function customSearchEndpoint(base: string): URL {
	const url = new URL(base);
	if (url.pathname === '/' || url.pathname === '') url.pathname = '/customsearch/v1';
	return url;
}

/** Today in UTC as `YYYY-MM-DD` (Google's quota day is Pacific time; UTC is close and stable). */
export function quotaDay(now = new Date()): string {
	return now.toISOString().slice(0, 10);
}

export interface QuotaState {
	day: string;
	used: number;
	limit: number;
	remaining: number;
}

/** How much of today's quota is used. */
export async function readQuota(db: Executor, limit: number, now = new Date()): Promise<QuotaState> {
	const day = quotaDay(now);
	const [row] = await db.select({ used: searchQuota.used }).from(searchQuota).where(eq(searchQuota.day, day));
	const used = row?.used ?? 0;
	return { day, used, limit, remaining: Math.max(0, limit - used) };
}

/** Counts one query against today's quota; false (nothing counted) when it is used up. */
export async function reserveQuery(db: Executor, limit: number, now = new Date()): Promise<boolean> {
	const day = quotaDay(now);
	await db.insert(searchQuota).values({ day, used: 0 }).onConflictDoNothing();
	const updated = await db
		.update(searchQuota)
		.set({ used: sql`${searchQuota.used} + 1` })
		.where(and(eq(searchQuota.day, day), lt(searchQuota.used, limit)))
		.returning({ used: searchQuota.used });
	return updated.length > 0;
}

export class QuotaExhausted extends TooManyRequests {
	constructor(limit: number) {
		const now = new Date();
		const midnight = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1);
		super(
			`Today's Custom Search quota (${limit} queries) is used up; searching works again after midnight UTC`,
			Math.max(1, Math.ceil((midnight - now.getTime()) / 1000))
		);
	}
}

/** Custom Search refused or failed: the message is Google's, with the key removed. */
export class SearchFailed extends AppError {
	constructor(message: string, status = 502) {
		super(status, 'SEARCH_FAILED', message);
	}
}

export interface SearchPage {
	items: CseItem[];
	totalResults: number | null;
	/** The `start` of the next page, or null on the last one. */
	nextStart: number | null;
}

interface CseResponse {
	items?: CseItem[];
	searchInformation?: { totalResults?: string };
	queries?: { nextPage?: Array<{ startIndex?: number }> };
	error?: { code?: number; message?: string };
}

/** Fetches one page of ten results starting at `start` (1, 11, 21, …). */
export async function fetchSearchPage(
	rt: Runtime,
	settings: { key: string; cx: string },
	q: string,
	start: number
): Promise<SearchPage> {
	const url = customSearchEndpoint(rt.config.GOOGLE_CSE_BASE_URL);
	url.searchParams.set('key', settings.key);
	url.searchParams.set('cx', settings.cx);
	url.searchParams.set('q', q);
	url.searchParams.set('start', String(start));
	url.searchParams.set('num', '10');
	const redact = (text: string) => text.split(settings.key).join('••••••••').slice(0, 500);
	let response: Response;
	try {
		response = await fetch(url, { signal: AbortSignal.timeout(15_000) });
	} catch (err) {
		throw new SearchFailed(redact(`Custom Search could not be reached: ${(err as Error).message}`));
	}
	const body = (await response.json().catch(() => null)) as CseResponse | null;
	if (response.status === 429) {
		throw new TooManyRequests(
			redact(`Google refused the search: ${body?.error?.message ?? 'quota exceeded'} (try again tomorrow)`),
			3600
		);
	}
	if (!response.ok || !body) {
		throw new SearchFailed(redact(`Custom Search answered ${response.status}: ${body?.error?.message ?? 'no detail'}`));
	}
	const total = Number(body.searchInformation?.totalResults);
	return {
		items: body.items ?? [],
		totalResults: Number.isFinite(total) ? total : null,
		nextStart: body.queries?.nextPage?.[0]?.startIndex ?? null
	};
}
