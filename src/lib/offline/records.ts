/**
 * The record cache (issue 6 part 3): a Dexie database per signed-in user (`hh-records:<userId>`)
 * holding the records the user has seen (requirements, candidates, applications, interviews,
 * offers, notifications) and the GET answers they came in (keyed by path + query), each with the
 * time of its last sync. The API client stores successful GETs here and answers from here when the
 * network is gone; the outbox applies offline writes here optimistically (`cacheRecord`,
 * `removeRecord`).
 */
import Dexie, { type Collection, type Table } from 'dexie';
import { hasSignedOut, signedInUserId } from './session';

export type RecordKind = 'requirement' | 'candidate' | 'application' | 'interview' | 'offer' | 'notification';

const KIND_BY_SEGMENT: Record<string, RecordKind> = {
	requirements: 'requirement',
	candidates: 'candidate',
	applications: 'application',
	interviews: 'interview',
	offers: 'offer',
	notifications: 'notification'
};

export interface CachedRecord {
	/** `<kind>:<id>` */
	key: string;
	kind: RecordKind;
	id: string;
	data: Record<string, unknown>;
	syncedAt: number;
}

export interface CachedResponse {
	/** Path and query below `/api/v1`, e.g. `/candidates?q=ada`. */
	path: string;
	body: unknown;
	syncedAt: number;
}

/** What an answer from the cache carries so that pages can say it may be stale. */
export interface StaleMarker {
	syncedAt: string;
}

class RecordsDatabase extends Dexie {
	records!: Table<CachedRecord, string>;
	responses!: Table<CachedResponse, string>;

	constructor(name: string) {
		super(name);
		this.version(1).stores({ records: 'key, kind, syncedAt', responses: 'path, syncedAt' });
	}
}

export const recordsDatabaseName = (userId: string) => `hh-records:${userId}`;

let explicitUser: string | null = null;
const open = new Map<string, RecordsDatabase>();

/** Sets the user whose cache is used (otherwise the signed-in user of the page). */
export function setRecordsUser(userId: string | null): void {
	explicitUser = userId;
}

function currentUser(): string | null {
	if (explicitUser) return explicitUser;
	try {
		return signedInUserId();
	} catch {
		return null;
	}
}

/**
 * Runs `work` on the current user's cache, or answers `fallback` when there is none (signed out,
 * no IndexedDB). A signed-out user's database is not created again by a late write (an answer
 * still on its way), and work that sign-out closed the database under ends with `fallback`.
 */
async function withRecords<T>(fallback: T, work: (db: RecordsDatabase) => Promise<T>): Promise<T> {
	const userId = currentUser();
	if (!userId || typeof indexedDB === 'undefined' || hasSignedOut(userId)) return fallback;
	let db = open.get(userId);
	if (!db) {
		db = new RecordsDatabase(recordsDatabaseName(userId));
		open.set(userId, db);
	}
	try {
		return await work(db);
	} catch (error) {
		if (hasSignedOut(userId)) return fallback;
		throw error;
	}
}

/** Closes the user's database before it is deleted on sign-out (`markSignedOut` came first). */
export function closeRecords(userId: string): void {
	open.get(userId)?.close();
	open.delete(userId);
	if (explicitUser === userId) explicitUser = null;
}

const isObject = (value: unknown): value is Record<string, unknown> =>
	!!value && typeof value === 'object' && !Array.isArray(value);

const hasId = (value: unknown): value is Record<string, unknown> & { id: string } =>
	isObject(value) && typeof value.id === 'string';

/** The kind of record a path's answer holds: the last known collection segment of the path. */
export function kindOfPath(path: string): { kind: RecordKind; detailId: string | null } | null {
	const segments = path.split('?')[0].split('/').filter(Boolean);
	for (let i = segments.length - 1; i >= 0; i--) {
		const kind = KIND_BY_SEGMENT[segments[i]];
		if (!kind) continue;
		const next = segments[i + 1];
		if (i === segments.length - 1) return { kind, detailId: null };
		if (i === segments.length - 2 && next) return { kind, detailId: next };
		return null;
	}
	return null;
}

/**
 * The parent records a nested create names in its path, as the server's record names them:
 * `/requirements/r1/applications/tmp-…` → `{ requirement_id: 'r1' }` (so the optimistic record
 * can be found from its parent, e.g. a candidate's applications made offline).
 */
export function parentIdsOf(path: string): Record<string, string> {
	const segments = path.split('?')[0].split('/').filter(Boolean);
	const ids: Record<string, string> = {};
	for (let i = 0; i + 3 < segments.length; i += 2) ids[`${segments[i].replace(/s$/, '')}_id`] = segments[i + 1];
	return ids;
}

/**
 * Stores (or updates) one record, e.g. an optimistic write: the stored fields are merged over
 * what the cache had, and every cached list that holds the record shows the new fields.
 */
export function cacheRecord(kind: RecordKind, record: { id: string } & Record<string, unknown>): Promise<void> {
	const key = `${kind}:${record.id}`;
	return withRecords(undefined, (db) =>
		db.transaction('rw', db.records, async () => {
			const existing = await db.records.get(key);
			await db.records.put({
				key,
				kind,
				id: record.id,
				data: { ...(existing?.data ?? {}), ...record },
				syncedAt: existing?.syncedAt ?? Date.now()
			});
		})
	);
}

/** Removes a record from the cache and from every cached answer that listed it. */
export async function removeRecord(kind: RecordKind, id: string): Promise<void> {
	return withRecords(undefined, async (db) => {
		await db.transaction('rw', db.records, db.responses, async () => {
			await db.records.delete(`${kind}:${id}`);
			await modifyLists(db.responses.toCollection(), (items) =>
				items.some((i) => hasId(i) && i.id === id) ? items.filter((item) => !(hasId(item) && item.id === id)) : null
			);
		});
	});
}

/** Stores a successful GET answer and the records in it. */
export async function storeResponse(path: string, body: unknown): Promise<void> {
	return withRecords(undefined, async (db) => {
		const now = Date.now();
		const shape = kindOfPath(path);
		await db.transaction('rw', db.records, db.responses, async () => {
			await db.responses.put({ path, body, syncedAt: now });
			if (!shape) return;
			const found: Array<Record<string, unknown> & { id: string }> = [];
			if (shape.detailId && hasId(body) && body.id === shape.detailId) found.push(body);
			else if (!shape.detailId && isObject(body) && Array.isArray(body.items)) found.push(...body.items.filter(hasId));
			else if (!shape.detailId && Array.isArray(body)) found.push(...body.filter(hasId));
			if (!found.length) return;
			// One read and one write for the whole page, not two requests per row.
			const keys = found.map((item) => `${shape.kind}:${item.id}`);
			const existing = await db.records.bulkGet(keys);
			await db.records.bulkPut(
				found.map((item, i) => ({
					key: keys[i],
					kind: shape.kind,
					id: item.id,
					// A list item is a summary: its fresh fields go over a detail answer's, the rest stay.
					data: { ...(existing[i]?.data ?? {}), ...item },
					syncedAt: now
				}))
			);
		});
	});
}

function overlay(item: unknown, records: Map<string, CachedRecord>, kind: RecordKind): unknown {
	if (!hasId(item)) return item;
	const record = records.get(`${kind}:${item.id}`);
	if (!record) return item;
	// Only the fields the item already has: a detail's extra fields stay out of a list row.
	const merged: Record<string, unknown> = { ...item };
	for (const field of Object.keys(item)) if (field in record.data) merged[field] = record.data[field];
	return merged;
}

const words = (text: string) =>
	text
		.toLowerCase()
		.split(/\s+/)
		.map((w) => w.trim())
		.filter(Boolean);

function searchable(record: Record<string, unknown>): string {
	const parts: string[] = [];
	for (const field of [
		'name',
		'full_name',
		'first_name',
		'last_name',
		'email',
		'title',
		'current_title',
		'headline',
		'company',
		'current_company'
	]) {
		const value = record[field];
		if (typeof value === 'string') parts.push(value);
	}
	const tags = record.tags;
	if (Array.isArray(tags))
		for (const tag of tags)
			parts.push(typeof tag === 'string' ? tag : isObject(tag) && typeof tag.name === 'string' ? tag.name : '');
	return parts.join(' ').toLowerCase();
}

/** The matching cached candidates and the oldest sync time among all cached candidates (one read). */
async function searchCached(
	db: RecordsDatabase,
	q: string
): Promise<{ items: Record<string, unknown>[]; syncedAt: number }> {
	const wanted = words(q);
	const items: Record<string, unknown>[] = [];
	let syncedAt = Date.now();
	for (const record of await db.records.where('kind').equals('candidate').toArray()) {
		if (record.syncedAt < syncedAt) syncedAt = record.syncedAt;
		const text = searchable(record.data);
		if (wanted.every((w) => text.includes(w))) items.push(record.data);
	}
	return { items, syncedAt };
}

/** Cached candidates whose name, e-mail, title, company or tags contain every word of `q`. */
export async function searchCachedCandidates(q: string): Promise<Record<string, unknown>[]> {
	return withRecords([], async (db) => {
		return (await searchCached(db, q)).items;
	});
}

/**
 * The cached answer to a GET, with the time of its last sync, or null. A detail answer reflects
 * optimistic writes; a list answer shows its rows with their cached fields. A candidate search
 * never seen online is answered by filtering the cached candidates.
 */
export async function cachedResponse(path: string): Promise<{ body: unknown; syncedAt: number } | null> {
	return withRecords(null, async (db) => {
		const shape = kindOfPath(path);
		const entry = await db.responses.get(path);
		if (shape?.detailId) {
			const record = await db.records.get(`${shape.kind}:${shape.detailId}`);
			if (entry && isObject(entry.body)) {
				return { body: record ? { ...entry.body, ...record.data } : entry.body, syncedAt: entry.syncedAt };
			}
			return record && Object.keys(record.data).length > 1 ? { body: record.data, syncedAt: record.syncedAt } : null;
		}
		if (entry) {
			if (!shape || !isObject(entry.body) || !Array.isArray(entry.body.items))
				return { body: entry.body, syncedAt: entry.syncedAt };
			const ids = entry.body.items.filter(hasId).map((item) => `${shape.kind}:${item.id}`);
			const records = new Map(
				(await db.records.bulkGet(ids)).filter((r): r is CachedRecord => !!r).map((r) => [r.key, r])
			);
			return {
				body: { ...entry.body, items: entry.body.items.map((item: unknown) => overlay(item, records, shape.kind)) },
				syncedAt: entry.syncedAt
			};
		}
		if (shape?.kind === 'candidate' && !shape.detailId && path.split('?')[0].replace(/\/$/, '') === '/candidates') {
			const params = new URLSearchParams(path.split('?')[1] ?? '');
			const { items, syncedAt } = await searchCached(db, params.get('q') ?? '');
			const pageSize = Number(params.get('page_size')) || 25;
			const page = Math.max(1, Number(params.get('page')) || 1);
			return {
				body: {
					items: items.slice((page - 1) * pageSize, page * pageSize),
					pagination: {
						page,
						page_size: pageSize,
						total_items: items.length,
						total_pages: Math.max(1, Math.ceil(items.length / pageSize))
					}
				},
				syncedAt
			};
		}
		return null;
	});
}

/** Every cached record of `kind` (what the user has seen, and wrote offline). */
export async function cachedRecords(kind: RecordKind): Promise<Record<string, unknown>[]> {
	return withRecords([], async (db) => {
		return (await db.records.where('kind').equals(kind).toArray()).map((r) => r.data);
	});
}

/** Cached records of `kind` written offline and not confirmed by the server yet (`pending`). */
export async function pendingRecords(kind: RecordKind): Promise<Record<string, unknown>[]> {
	return (await cachedRecords(kind)).filter((data) => data.pending === true);
}

/** The cached record at a detail path (`/candidates/<id>`), or null. */
export async function cachedRecordAt(path: string): Promise<Record<string, unknown> | null> {
	const shape = kindOfPath(path);
	if (!shape?.detailId) return null;
	return withRecords(null, async (db) => (await db.records.get(`${shape.kind}:${shape.detailId}`))?.data ?? null);
}

/**
 * A record created offline (or its server answer): stored, and put first in the cached lists of
 * its collection (`/candidates`, `/candidates?…`) so that lists show it.
 */
export async function cacheCreated(
	kind: RecordKind,
	collectionPath: string,
	record: { id: string } & Record<string, unknown>
): Promise<void> {
	return withRecords(undefined, async (db) => {
		await cacheRecord(kind, record);
		const firstPages = await firstPagesOf(db, collectionPath);
		if (!firstPages.length) return;
		await modifyLists(db.responses.where('path').anyOf(firstPages), (items) =>
			items.some((i) => hasId(i) && i.id === record.id) ? null : [record, ...items]
		);
	});
}

/**
 * Rewrites the items of the cached list answers in `entries`; `change` answers null for a list
 * it leaves as it is (not written back).
 */
function modifyLists(
	entries: Collection<CachedResponse, string>,
	change: (items: unknown[]) => unknown[] | null
): Promise<number> {
	return entries.modify((entry) => {
		const body = entry.body;
		if (!isObject(body) || !Array.isArray(body.items)) return false;
		const items = change(body.items);
		if (!items) return false;
		body.items = items;
	});
}

/**
 * The cached first-page answers of a collection (`/candidates`, `/candidates?q=ada`, not
 * `?page=2`), found by key alone: a new record goes first in those lists, so only they can hold
 * one created offline, and a cache of 50 pages is not read for each create.
 */
async function firstPagesOf(db: RecordsDatabase, collectionPath: string): Promise<string[]> {
	const keys = await db.responses.where('path').startsWith(collectionPath).primaryKeys();
	return keys.filter((path) => {
		const [base, query = ''] = path.split('?');
		return base === collectionPath && (Number(new URLSearchParams(query).get('page')) || 1) === 1;
	});
}

/** A create reached the server: the temporary id becomes the real one in records and lists. */
export async function renameRecord(
	kind: RecordKind,
	tempId: string,
	record: { id: string } & Record<string, unknown>,
	collectionPath: string
): Promise<void> {
	return withRecords(undefined, async (db) => {
		await db.transaction('rw', db.records, db.responses, async () => {
			const firstPages = await firstPagesOf(db, collectionPath);
			const existing = await db.records.get(`${kind}:${tempId}`);
			await db.records.delete(`${kind}:${tempId}`);
			await db.records.put({
				key: `${kind}:${record.id}`,
				kind,
				id: record.id,
				data: { ...(existing?.data ?? {}), ...record, pending: false },
				syncedAt: Date.now()
			});
			// Only the lists `cacheCreated` put it in.
			if (!firstPages.length) return;
			await modifyLists(db.responses.where('path').anyOf(firstPages), (items) =>
				items.some((i) => hasId(i) && i.id === tempId)
					? items.map((item) => (hasId(item) && item.id === tempId ? { ...item, ...record, pending: false } : item))
					: null
			);
		});
	});
}
