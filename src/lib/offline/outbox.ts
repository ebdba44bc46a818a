/**
 * The outbox (issue 6 parts 4 and 5): a Dexie database per signed-in user (`hh-outbox:<userId>`)
 * holding every REST write made while offline (or that failed with a network error), in order.
 * Each entry carries a client-generated id (sent as `Idempotency-Key`, so the server answers a
 * repeat with the stored answer and changes nothing), the request, the record version and the
 * field values it was based on, and the time.
 *
 * Replay runs strictly in order, one request at a time:
 * - success: the entry goes; a create's temporary id (`tmp-…`) is replaced by the real one in
 *   every later entry (path and body) and in the record cache;
 * - network error or 5xx: replay stops, the entry stays (same key) and is retried later; a request
 *   that hangs (a connection cut half-way, never closed) is given up after `requestTimeoutMs`, or at
 *   once when the browser goes offline (`interrupt`), so a dead connection never stalls the queue;
 * - 401: replay stops and waits for the same user to sign in again (`needsSignIn`);
 * - 409 VERSION_CONFLICT: merged field by field against the current record carried by the 409 —
 *   fields only the client changed are re-sent on the current version, fields both sides changed
 *   keep the server's value and go into the conflict list ("keep mine" / "keep theirs");
 * - any other 4xx: the optimistic change is reverted and the entry goes into the conflict list
 *   with the server's reason. Nothing is dropped silently.
 *
 * This module knows nothing of SvelteKit: the record cache is reached through `OutboxHooks`, so
 * it runs (and is tested) anywhere IndexedDB exists.
 */
import Dexie, { type Table } from 'dexie';
import { recordIdOfPath, rewriteTempId, tempIdsIn } from './temp-ids';
import { isReplayablePath } from './replay-path';

export { recordIdOfPath, tempIdsIn };

export type WriteMethod = 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface OutboxEntry {
	seq?: number;
	/** The Idempotency-Key. */
	id: string;
	method: WriteMethod;
	/** Below `/api/v1`. */
	path: string;
	body: unknown;
	/** The record version the change was based on (`body.version`), if any. */
	baseVersion: number | null;
	/** The values the changed fields had before the change (from the record cache). */
	base: Record<string, unknown> | null;
	/** A create's temporary id, replaced by the server's on success. */
	tempId: string | null;
	createdAt: number;
	attempts: number;
	/** The temporary ids the request names (path or body), indexed: rewritten when their create succeeds. */
	refs?: string[];
}

export interface ConflictEntry {
	id: string;
	/**
	 * `field` — both sides changed a field; `refused` — the server refused the write; `move` — the
	 * sync server refused a card move made in a board document and put the card back.
	 */
	type: 'field' | 'refused' | 'move';
	/** The refused request's method (null for a board move: no request of its own). */
	method: WriteMethod | null;
	/** The request's path; for a board move, the board's (`/requirements/<id>/pipeline`). */
	path: string;
	recordId: string | null;
	field: string | null;
	mine: unknown;
	theirs: unknown;
	reason: string;
	/** The refused request's body (for the panel). */
	body: unknown;
	createdAt: number;
}

/** A board card move the sync server refused (and reverted in the document). */
export interface RefusedMove {
	requirementId: string;
	applicationId: string;
	/** The card's name as the board showed it. */
	name: string;
	/** The stage the user moved the card to (null when unknown). */
	stage: string | null;
	reason: string;
}

export type ReplayOutcome = 'done' | 'offline' | 'signed-out' | 'busy';

interface ServerAnswer {
	status: number;
	data: unknown;
	code: string | null;
	message: string;
}

/** An answer's status and JSON envelope, as the outbox needs them. */
function answerOf(status: number, payload: unknown): ServerAnswer {
	const envelope = isObject(payload) ? payload : {};
	const error = isObject(envelope.error) ? envelope.error : {};
	return {
		status,
		data: status >= 200 && status < 300 ? envelope.data : error.data,
		code: typeof error.code === 'string' ? error.code : null,
		message: typeof error.message === 'string' ? error.message : `Request failed (${status})`
	};
}

export interface OutboxHooks {
	/** The cached record, before an optimistic change. */
	cached?(path: string): Promise<Record<string, unknown> | null>;
	/** Applies fields to a cached record (optimistic write or server answer). */
	apply?(path: string, fields: Record<string, unknown>): Promise<void>;
	/** Removes a cached record (optimistic delete, refused create). */
	remove?(path: string): Promise<void>;
	/** A create answered: the temporary id became the real one. */
	rename?(path: string, tempId: string, record: Record<string, unknown>): Promise<void>;
	/** Something changed (entries, conflicts, state). */
	changed?(): void;
}

class OutboxDatabase extends Dexie {
	entries!: Table<OutboxEntry, number>;
	conflicts!: Table<ConflictEntry, string>;

	constructor(name: string) {
		super(name);
		this.version(1).stores({ entries: '++seq, &id', conflicts: 'id, recordId, createdAt' });
		// `refs`: a create's success rewrites the entries naming its temporary id, found by index
		// instead of reading (and writing back) every entry left.
		this.version(2)
			.stores({ entries: '++seq, &id, *refs', conflicts: 'id, recordId, createdAt' })
			.upgrade((tx) =>
				tx
					.table<OutboxEntry, number>('entries')
					.toCollection()
					.modify((entry) => {
						entry.refs = tempIdsIn(entry.path, entry.body);
					})
			);
	}
}

export const outboxDatabaseName = (userId: string) => `hh-outbox:${userId}`;

const isObject = (value: unknown): value is Record<string, unknown> =>
	!!value && typeof value === 'object' && !Array.isArray(value);

const equal = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

const camel = (field: string) => field.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());

/** A field of the current record as the 409 carries it (snake_case, or camelCase). */
function fieldOf(record: Record<string, unknown>, field: string): unknown {
	if (field in record) return record[field];
	return record[camel(field)];
}

export function newKey(): string {
	return crypto.randomUUID();
}

export const isTempId = (value: string) => value.startsWith('tmp-');

/** A POST to a collection (`/candidates`, `/requirements/x/applications`) creates a record. */
export function isCreate(method: WriteMethod, path: string): boolean {
	const segments = path.split('?')[0].split('/').filter(Boolean);
	return method === 'POST' && segments.length % 2 === 1;
}

/**
 * The create of `from` answered `{ id: to, version }`: an entry naming the temporary id names the
 * real one, and a change based on the optimistic record (version 0) is based on the created one.
 */
function renameIn(entry: OutboxEntry, from: string, to: string, version: number | null): void {
	const rewritten = rewriteTempId(entry, from, to, version);
	entry.path = rewritten.path;
	entry.body = rewritten.body;
	if (rewritten.baseVersion !== null) entry.baseVersion = rewritten.baseVersion;
	entry.refs = (entry.refs ?? []).filter((ref) => ref !== from);
}

/** Entries sent in one request to the batched replay endpoint (and at most this many bytes of JSON). */
const BATCH_ENTRIES = 50;
const BATCH_BYTES = 256 * 1024;

export class Outbox {
	readonly db: OutboxDatabase;
	private replaying: Promise<ReplayOutcome> | null = null;
	private inFlight: AbortController | null = null;
	/** Replay stopped on 401: waits for the same user to sign in again. */
	needsSignIn = false;

	constructor(
		readonly userId: string,
		private readonly fetchFn: typeof fetch,
		private readonly hooks: OutboxHooks = {},
		/** Where the API lives, e.g. `/api/v1` (or an absolute URL). */
		private readonly base = '/api/v1',
		/** A replayed request with no complete answer by then counts as a network error. */
		private readonly requestTimeoutMs = 15_000
	) {
		this.db = new OutboxDatabase(outboxDatabaseName(userId));
	}

	close(): void {
		this.db.close();
	}

	async pending(): Promise<OutboxEntry[]> {
		return this.db.entries.orderBy('seq').toArray();
	}

	async conflicts(): Promise<ConflictEntry[]> {
		return this.db.conflicts.orderBy('createdAt').toArray();
	}

	async counts(): Promise<{ pending: number; conflicts: number }> {
		return { pending: await this.db.entries.count(), conflicts: await this.db.conflicts.count() };
	}

	/**
	 * Queues a write and applies it to the record cache. Returns the optimistic record: a
	 * create's body with its temporary id, an update's cached record with the new fields.
	 */
	async enqueue(
		method: WriteMethod,
		path: string,
		body: unknown,
		key: string = newKey()
	): Promise<Record<string, unknown> | null> {
		const create = isCreate(method, path);
		const tempId = create ? `tmp-${newKey()}` : null;
		const fields = isObject(body) ? body : {};
		const before = create ? null : ((await this.hooks.cached?.(path)) ?? null);
		const base: Record<string, unknown> | null = before
			? Object.fromEntries(Object.keys(fields).map((f) => [f, before[f]]))
			: null;
		const version = typeof fields.version === 'number' ? fields.version : null;
		await this.db.entries.add({
			id: key,
			method,
			path,
			body,
			baseVersion: version,
			base,
			tempId,
			createdAt: Date.now(),
			attempts: 0,
			refs: tempIdsIn(path, body)
		});
		let optimistic: Record<string, unknown> | null = null;
		if (create && tempId) {
			optimistic = { ...fields, id: tempId, version: 0, pending: true };
			await this.hooks.apply?.(`${path.split('?')[0]}/${tempId}`, optimistic);
		} else if (method === 'DELETE') {
			await this.hooks.remove?.(path);
		} else if (recordIdOfPath(path)) {
			const changed = { ...fields };
			delete changed.version;
			optimistic = { ...(before ?? {}), ...changed, id: recordIdOfPath(path), pending: true };
			await this.hooks.apply?.(path, changed);
		}
		this.hooks.changed?.();
		return optimistic;
	}

	/** Whether the server has the batched replay endpoint (an older one answers 404). */
	private batches = true;

	/** Gives up the request in flight (the connection is gone): replay stops and retries later. */
	interrupt(): void {
		this.inFlight?.abort();
	}

	private async send(entry: OutboxEntry): Promise<ServerAnswer | null> {
		const controller = new AbortController();
		this.inFlight = controller;
		const timer = setTimeout(() => controller.abort(), this.requestTimeoutMs);
		try {
			return await this.exchange(entry, controller.signal);
		} finally {
			clearTimeout(timer);
			if (this.inFlight === controller) this.inFlight = null;
		}
	}

	private async exchange(entry: OutboxEntry, signal: AbortSignal): Promise<ServerAnswer | null> {
		let response: Response;
		try {
			response = await this.fetchFn(`${this.base}${entry.path}`, {
				method: entry.method,
				headers: {
					'idempotency-key': entry.id,
					...(entry.body === undefined || entry.method === 'DELETE' ? {} : { 'content-type': 'application/json' })
				},
				body: entry.body === undefined || entry.method === 'DELETE' ? undefined : JSON.stringify(entry.body),
				credentials: 'same-origin',
				signal
			});
		} catch {
			return null;
		}
		let payload: unknown = null;
		try {
			payload = await response.json();
		} catch {
			// An answer cut off half-way is no answer: the entry stays and is sent again (same key).
			if (signal.aborted) return null;
			// otherwise: not JSON
		}
		return answerOf(response.status, payload);
	}

	/**
	 * Sends the first entries in one request (`POST /offline/replay`): the server runs them in
	 * order, each under its own Idempotency-Key exactly as if sent alone, and stops after the first
	 * one that is not a success. Answers them in order, or null when the batch itself failed (no
	 * network, a 5xx, the server lacks the endpoint: then `send` goes one by one again).
	 */
	private async sendBatch(entries: OutboxEntry[]): Promise<ServerAnswer[] | null | 'one-by-one'> {
		// The same time limit and interruption as a single request (`send`).
		const controller = new AbortController();
		this.inFlight = controller;
		const timer = setTimeout(() => controller.abort(), this.requestTimeoutMs * 2);
		try {
			return await this.exchangeBatch(entries, controller.signal);
		} finally {
			clearTimeout(timer);
			if (this.inFlight === controller) this.inFlight = null;
		}
	}

	private async exchangeBatch(
		entries: OutboxEntry[],
		signal: AbortSignal
	): Promise<ServerAnswer[] | null | 'one-by-one'> {
		let response: Response;
		try {
			response = await this.fetchFn(`${this.base}/offline/replay`, {
				signal,
				method: 'POST',
				headers: { 'content-type': 'application/json' },
				body: JSON.stringify({
					requests: entries.map((e) => ({
						key: e.id,
						method: e.method,
						path: e.path,
						body: e.body === undefined || e.method === 'DELETE' ? null : e.body,
						temp_id: e.tempId
					}))
				}),
				credentials: 'same-origin'
			});
		} catch {
			return null;
		}
		if (response.status === 404 || response.status === 405) {
			this.batches = false;
			return null;
		}
		let payload: unknown = null;
		try {
			payload = await response.json();
		} catch {
			// An answer cut off half-way is no answer: the batch is sent again (same keys).
			if (signal.aborted) return null;
			// otherwise: not JSON
		}
		if (response.status === 401) return [answerOf(401, payload)];
		// The batch itself refused (it should not happen): this round goes one by one.
		if (response.status >= 400 && response.status < 500 && response.status !== 429) return 'one-by-one';
		const data = isObject(payload) && isObject(payload.data) ? payload.data : null;
		if (!response.ok || !data || !Array.isArray(data.answers)) return null;
		return data.answers.map((a: unknown) =>
			isObject(a) && typeof a.status === 'number' ? answerOf(a.status, a.body) : answerOf(500, null)
		);
	}

	/** The first entries that fit in one batch, their attempt counted. */
	private async nextBatch(): Promise<OutboxEntry[]> {
		return this.db.transaction('rw', this.db.entries, async () => {
			const first = await this.db.entries
				.orderBy('seq')
				.limit(this.batches ? BATCH_ENTRIES : 1)
				.toArray();
			const batch: OutboxEntry[] = [];
			let bytes = 0;
			for (const entry of first) {
				// A write the batch endpoint does not take (a query string, say) goes alone.
				const batchable = isReplayablePath(entry.path);
				bytes += JSON.stringify(entry.body ?? null).length + entry.path.length;
				if (batch.length > 0 && (bytes > BATCH_BYTES || !batchable)) break;
				batch.push(entry);
				if (!batchable) break;
			}
			await this.db.entries.bulkPut(batch.map((e) => ({ ...e, attempts: e.attempts + 1 })));
			return batch;
		});
	}

	/** Replays the queue in order, one at a time. Concurrent calls share one run. */
	replay(): Promise<ReplayOutcome> {
		if (this.replaying) return this.replaying;
		this.replaying = this.run().finally(() => {
			this.replaying = null;
			this.hooks.changed?.();
		});
		return this.replaying;
	}

	private async run(): Promise<ReplayOutcome> {
		if (this.needsSignIn) return 'signed-out';
		for (;;) {
			const batch = await this.nextBatch();
			if (!batch.length) return 'done';
			const batched = batch.length > 1 ? await this.sendBatch(batch) : null;
			let answers = batched === 'one-by-one' ? null : batched;
			if (!answers && (batch.length === 1 || !this.batches || batched === 'one-by-one')) {
				const one = await this.send(batch[0]);
				answers = one ? [one] : null;
			}
			if (!answers?.length) return 'offline';
			// In the order sent; the server stopped after the first answer that is not a success.
			for (let i = 0; i < answers.length && i < batch.length; i++) {
				const entry = batch[i];
				const answer = answers[i];
				if (answer.status >= 500 || answer.status === 429 || answer.code === 'IDEMPOTENCY_IN_PROGRESS') {
					return 'offline';
				}
				if (answer.status === 401) {
					this.needsSignIn = true;
					return 'signed-out';
				}
				if (answer.status < 400) {
					await this.succeeded(entry, answer);
					const record = isObject(answer.data) ? answer.data : null;
					// The later entries of this batch, as the server rewrote them and as stored now.
					if (entry.tempId && record && typeof record.id === 'string') {
						const version = typeof record.version === 'number' ? record.version : null;
						for (const later of batch.slice(i + 1))
							if (later.refs?.includes(entry.tempId)) renameIn(later, entry.tempId, record.id, version);
					}
				} else if (answer.status === 409 && answer.code === 'VERSION_CONFLICT' && isObject(answer.data))
					await this.merge(entry, answer.data);
				else await this.refused(entry, answer);
			}
			// Once a batch: the status re-reads its counts (not once per write while writes settle).
			this.hooks.changed?.();
		}
	}

	/** After the same user signed in again: replay may go on. */
	async resume(): Promise<ReplayOutcome> {
		this.needsSignIn = false;
		return this.replay();
	}

	private async succeeded(entry: OutboxEntry, answer: ServerAnswer): Promise<void> {
		const record = isObject(answer.data) ? answer.data : null;
		const realId = record && typeof record.id === 'string' ? record.id : null;
		await this.db.transaction('rw', this.db.entries, this.db.conflicts, async () => {
			await this.db.entries.delete(entry.seq!);
			if (entry.tempId && realId) {
				const from = entry.tempId;
				const version = record && typeof record.version === 'number' ? record.version : null;
				await this.db.entries
					.where('refs')
					.equals(from)
					.modify((later) => renameIn(later, from, realId, version));
				await this.db.conflicts.toCollection().modify((c) => {
					if (!c.path.includes(from) && c.recordId !== from) return false; // unchanged: not written back
					c.path = c.path.split(from).join(realId);
					if (c.recordId === from) c.recordId = realId;
				});
			}
		});
		if (entry.tempId && realId && record) {
			await this.hooks.rename?.(`${entry.path.split('?')[0]}/${entry.tempId}`, entry.tempId, record);
		} else if (record && realId && entry.method !== 'DELETE') {
			const path = recordIdOfPath(entry.path) === realId ? entry.path : null;
			if (path) await this.hooks.apply?.(path, { ...record, pending: false });
		}
	}

	/** 409 on a stale version: field by field against the current record. */
	private async merge(entry: OutboxEntry, current: Record<string, unknown>): Promise<void> {
		const mine = isObject(entry.body) ? entry.body : {};
		const resend: Record<string, unknown> = {};
		const conflicts: ConflictEntry[] = [];
		const now = Date.now();
		for (const [field, value] of Object.entries(mine)) {
			if (field === 'version') continue;
			const theirs = fieldOf(current, field);
			if (equal(theirs, value)) continue; // both ended at the same value
			const baseKnown = entry.base !== null && field in entry.base;
			const serverChanged = !baseKnown || !equal(theirs, entry.base![field]);
			if (serverChanged) {
				conflicts.push({
					id: `${entry.id}:${field}`,
					type: 'field',
					method: entry.method,
					path: entry.path,
					recordId: recordIdOfPath(entry.path),
					field,
					mine: value,
					theirs,
					reason: 'Changed on the server too; their value was kept',
					body: null,
					createdAt: now
				});
			} else resend[field] = value;
		}
		const version = fieldOf(current, 'version');
		await this.db.transaction('rw', this.db.entries, this.db.conflicts, async () => {
			await this.db.entries.delete(entry.seq!);
			if (conflicts.length) await this.db.conflicts.bulkPut(conflicts);
			if (Object.keys(resend).length) {
				// Takes the refused entry's place (first in line), on the current version; a new key since
				// the body differs.
				await this.db.entries.add({
					...entry,
					seq: entry.seq,
					id: `${entry.id}.m${entry.attempts}`,
					body: { ...resend, version },
					baseVersion: typeof version === 'number' ? version : null,
					base: Object.fromEntries(Object.keys(resend).map((f) => [f, fieldOf(current, f)])),
					attempts: 0
				});
			}
		});
		// The cache shows the server's record, with the client-only fields on top (until re-sent).
		await this.hooks.apply?.(entry.path, { ...current, ...resend });
	}

	private async refused(entry: OutboxEntry, answer: ServerAnswer): Promise<void> {
		const recordId = entry.tempId ?? recordIdOfPath(entry.path);
		await this.db.transaction('rw', this.db.entries, this.db.conflicts, async () => {
			await this.db.entries.delete(entry.seq!);
			await this.db.conflicts.put({
				id: entry.id,
				type: 'refused',
				method: entry.method,
				path: entry.path,
				recordId,
				field: null,
				mine: entry.body,
				theirs: null,
				reason: answer.message,
				body: entry.body,
				createdAt: Date.now()
			});
		});
		// Revert the optimistic change.
		if (entry.tempId) await this.hooks.remove?.(`${entry.path.split('?')[0]}/${entry.tempId}`);
		else if (entry.base && recordIdOfPath(entry.path)) await this.hooks.apply?.(entry.path, entry.base);
	}

	/**
	 * Lists board moves the sync server refused: the document already shows the card where the
	 * server has it, the user's move and the server's reason stay in the conflict list.
	 */
	async recordRefusedMoves(moves: RefusedMove[]): Promise<void> {
		if (moves.length === 0) return;
		const now = Date.now();
		await this.db.conflicts.bulkPut(
			moves.map((move) => ({
				id: `move:${newKey()}`,
				type: 'move' as const,
				method: null,
				path: `/requirements/${move.requirementId}/pipeline`,
				recordId: move.applicationId,
				field: 'stage',
				mine: move.stage,
				theirs: null,
				reason: move.reason,
				body: { name: move.name },
				createdAt: now
			}))
		);
		this.hooks.changed?.();
	}

	/** "Keep mine": re-sends the user's value on the record's current version. */
	async keepMine(conflictId: string, currentVersion: number | null): Promise<void> {
		const conflict = await this.db.conflicts.get(conflictId);
		if (!conflict?.method) return;
		await this.db.conflicts.delete(conflictId);
		if (conflict.type === 'field' && conflict.field) {
			const body: Record<string, unknown> = { [conflict.field]: conflict.mine };
			if (currentVersion !== null) body.version = currentVersion;
			await this.enqueue(conflict.method, conflict.path, body);
		} else {
			await this.enqueue(conflict.method, conflict.path, conflict.body);
		}
	}

	/** "Keep theirs" (or dismiss a refused write): drops the user's change. */
	async keepTheirs(conflictId: string): Promise<void> {
		await this.db.conflicts.delete(conflictId);
		this.hooks.changed?.();
	}
}
