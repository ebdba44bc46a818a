import 'fake-indexeddb/auto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import Dexie from 'dexie';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Outbox, outboxDatabaseName } from '../../src/lib/offline/outbox';
import { rewriteTempId } from '../../src/lib/offline/temp-ids';
import { replayBatchInput } from '../../src/lib/schemas/offline';

/**
 * A small local HTTP server speaking the API's envelope and its Idempotency-Key rule (the same key
 * answers the stored response and changes nothing; a stale `version` gets 409 VERSION_CONFLICT
 * with the current record), so the outbox is exercised over real sockets, including a socket
 * dropped after the server handled the request.
 */
interface Rec {
	id: string;
	version: number;
	[field: string]: unknown;
}

const state = {
	candidates: new Map<string, Rec>(),
	requirements: new Map<string, Rec>(),
	applications: [] as Array<{ requirement_id: string; candidate_id: string }>,
	keys: new Map<string, { body: string; status: number; answer: unknown }>(),
	handled: 0,
	/** Drop the socket of the next N answers after handling the request (single requests, batches). */
	dropAnswers: 0,
	dropBatchAnswers: 0,
	/** Never answer the next N requests after handling them (a half-open connection). */
	hangAnswers: 0,
	expired: false,
	/** The server has the batched replay endpoint (an older one does not). */
	batches: true,
	batchRequests: 0,
	/** Batches the endpoint's schema refused (422). */
	refusedBatches: 0,
	nextId: 1
};

function reset() {
	state.candidates.clear();
	state.requirements.clear();
	state.applications = [];
	state.keys.clear();
	state.handled = 0;
	state.dropAnswers = 0;
	state.dropBatchAnswers = 0;
	state.hangAnswers = 0;
	state.expired = false;
	state.batches = true;
	state.batchRequests = 0;
	state.refusedBatches = 0;
	state.requirements.set('req-1', { id: 'req-1', version: 1, location_city: 'Oslo', salary_min: 100, title: 'Dev' });
}

function handle(method: string, path: string, body: Record<string, unknown>): [number, unknown] {
	const parts = path.split('/').filter(Boolean);
	if (method === 'POST' && path === '/candidates') {
		if (typeof body.name !== 'string' || !body.name)
			return [400, { success: false, error: { code: 'VALIDATION', message: 'Name is required' } }];
		const rec = { id: `cand-${state.nextId++}`, version: 1, name: body.name };
		state.candidates.set(rec.id, rec);
		return [201, { success: true, data: rec }];
	}
	if (method === 'POST' && parts[0] === 'requirements' && parts[2] === 'applications') {
		const candidate = state.candidates.get(String(body.candidate_id));
		if (!candidate) return [404, { success: false, error: { code: 'NOT_FOUND', message: 'Candidate not found' } }];
		state.applications.push({ requirement_id: parts[1], candidate_id: candidate.id });
		return [201, { success: true, data: { id: `app-${state.nextId++}`, candidate_id: candidate.id, version: 1 } }];
	}
	if (method === 'PATCH' && parts[0] === 'candidates' && parts.length === 2) {
		const rec = state.candidates.get(parts[1]);
		if (!rec) return [404, { success: false, error: { code: 'NOT_FOUND', message: 'Candidate not found' } }];
		// As the API's versionField: an integer from 1.
		if (typeof body.version !== 'number' || body.version < 1)
			return [400, { success: false, error: { code: 'VALIDATION', message: 'version is required' } }];
		if (body.version !== rec.version)
			return [409, { success: false, error: { code: 'VERSION_CONFLICT', message: 'Changed', data: { ...rec } } }];
		const { version: _v, ...fields } = body;
		Object.assign(rec, fields, { version: rec.version + 1 });
		return [200, { success: true, data: { ...rec } }];
	}
	if (method === 'PATCH' && parts[0] === 'requirements' && parts.length === 2) {
		const rec = state.requirements.get(parts[1]);
		if (!rec) return [404, { success: false, error: { code: 'NOT_FOUND', message: 'Requirement not found' } }];
		if (body.version !== rec.version)
			return [409, { success: false, error: { code: 'VERSION_CONFLICT', message: 'Changed', data: { ...rec } } }];
		const { version: _v, ...fields } = body;
		Object.assign(rec, fields, { version: rec.version + 1 });
		return [200, { success: true, data: { ...rec } }];
	}
	return [404, { success: false, error: { code: 'NOT_FOUND', message: 'No such route' } }];
}

interface BatchRequest {
	key: string;
	method: string;
	path: string;
	body: unknown;
	temp_id: string | null;
}

/** The Idempotency-Key rule: the same key answers the stored response and changes nothing. */
function handleKeyed(method: string, path: string, raw: string, key: string): [number, unknown] {
	const stored = key ? state.keys.get(key) : undefined;
	if (stored) {
		if (stored.body !== raw)
			return [422, { success: false, error: { code: 'IDEMPOTENCY_KEY_REUSED', message: 'Reused' } }];
		return [stored.status, stored.answer];
	}
	state.handled++;
	const [status, live] = handle(method, path, raw ? JSON.parse(raw) : {});
	// Stored as sent (a snapshot, as the real table stores the JSON), not the live record.
	const answer: unknown = JSON.parse(JSON.stringify(live));
	if (key) state.keys.set(key, { body: raw, status, answer });
	return [status, answer];
}

let server: Server;
let base = '';

beforeAll(async () => {
	server = createServer((req: IncomingMessage, res: ServerResponse) => {
		let raw = '';
		req.on('data', (c) => (raw += c));
		req.on('end', () => {
			const path = (req.url ?? '').replace(/^\/api\/v1/, '').split('?')[0];
			const batch = path === '/offline/replay';
			const send = (status: number, answer: unknown) => {
				if (state.hangAnswers > 0) {
					state.hangAnswers--;
					return;
				}
				if (batch ? state.dropBatchAnswers > 0 : state.dropAnswers > 0) {
					if (batch) state.dropBatchAnswers--;
					else state.dropAnswers--;
					req.socket.destroy();
					return;
				}
				res.writeHead(status, { 'content-type': 'application/json' });
				res.end(JSON.stringify(answer));
			};
			if (state.expired)
				return send(401, { success: false, error: { code: 'UNAUTHORIZED', message: 'Sign in again' } });
			if (path === '/offline/replay' && req.method === 'POST') {
				if (!state.batches)
					return send(404, { success: false, error: { code: 'NOT_FOUND', message: 'No such route' } });
				state.batchRequests++;
				// As the real endpoint: checked by its schema, then in order, each under its key,
				// temporary ids resolved, stop at the first failure.
				if (!replayBatchInput.safeParse(JSON.parse(raw)).success) {
					state.refusedBatches++;
					return send(422, { success: false, error: { code: 'VALIDATION_ERROR', message: 'Invalid request data' } });
				}
				const queue = (JSON.parse(raw) as { requests: BatchRequest[] }).requests;
				const answers: Array<{ key: string; status: number; body: unknown }> = [];
				for (let i = 0; i < queue.length; i++) {
					const r = queue[i];
					const [status, answer] = handleKeyed(r.method, r.path, r.body == null ? '' : JSON.stringify(r.body), r.key);
					answers.push({ key: r.key, status, body: answer });
					if (status >= 300) break;
					const data = (answer as { data?: { id?: string; version?: number } }).data;
					if (r.temp_id && data?.id) {
						for (let j = i + 1; j < queue.length; j++)
							queue[j] = { ...queue[j], ...rewriteTempId(queue[j], r.temp_id, data.id, data.version ?? null) };
					}
				}
				return send(200, { success: true, data: { answers } });
			}
			const [status, answer] = handleKeyed(
				req.method ?? 'GET',
				path,
				raw,
				String(req.headers['idempotency-key'] ?? '')
			);
			send(status, answer);
		});
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

/** The record cache as the outbox sees it (the browser uses Dexie's `hh-records:<user>`). */
let cache: Map<string, Record<string, unknown>>;
let outbox: Outbox;
let user = 0;

function makeOutbox(userId: string, requestTimeoutMs?: number) {
	return new Outbox(
		userId,
		fetch,
		{
			cached: async (path) => cache.get(path) ?? null,
			apply: async (path, fields) => void cache.set(path, { ...(cache.get(path) ?? {}), ...fields }),
			remove: async (path) => void cache.delete(path),
			rename: async (path, tempId, record) => {
				cache.delete(path);
				cache.set(path.replace(tempId, String(record.id)), record);
			}
		},
		base,
		requestTimeoutMs
	);
}

beforeEach(() => {
	reset();
	cache = new Map([['/requirements/req-1', { ...state.requirements.get('req-1')! }]]);
	outbox = makeOutbox(`user-${++user}`);
});

afterEach(() => outbox.close());

describe('outbox', () => {
	it('queues writes with optimistic records, replays them in order once, and rewrites the temporary id', async () => {
		const created = await outbox.enqueue('POST', '/candidates', { name: 'Ada' });
		expect(created?.id).toMatch(/^tmp-/);
		const tempId = created!.id as string;
		expect(cache.get(`/candidates/${tempId}`)?.name).toBe('Ada');
		await outbox.enqueue('POST', '/requirements/req-1/applications', { candidate_id: tempId });
		await outbox.enqueue('PATCH', '/requirements/req-1', { location_city: 'Bergen', version: 1 });
		expect(cache.get('/requirements/req-1')?.location_city).toBe('Bergen');
		expect(await outbox.counts()).toEqual({ pending: 3, conflicts: 0 });

		expect(await outbox.replay()).toBe('done');
		expect(state.handled).toBe(3);
		expect([...state.candidates.values()].map((c) => c.name)).toEqual(['Ada']);
		const realId = [...state.candidates.keys()][0];
		expect(state.applications).toEqual([{ requirement_id: 'req-1', candidate_id: realId }]);
		expect(state.requirements.get('req-1')?.location_city).toBe('Bergen');
		expect(cache.has(`/candidates/${tempId}`)).toBe(false);
		expect(cache.get(`/candidates/${realId}`)?.name).toBe('Ada');
		expect(await outbox.conflicts()).toEqual([]);
		expect(await outbox.counts()).toEqual({ pending: 0, conflicts: 0 });
	});

	it('sends an offline edit of a candidate created offline on the version the server gave it', async () => {
		const created = await outbox.enqueue('POST', '/candidates', { name: 'Ada' });
		const tempId = created!.id as string;
		expect(created?.version).toBe(0);
		// The edit form sends the version of the record it shows: the optimistic one.
		await outbox.enqueue('PATCH', `/candidates/${tempId}`, { current_title: 'Engineer', version: created!.version });
		await outbox.enqueue('POST', '/candidates', { name: 'Grace' });

		expect(await outbox.replay()).toBe('done');
		expect(await outbox.counts()).toEqual({ pending: 0, conflicts: 0 });
		const [ada, grace] = [...state.candidates.values()];
		expect(ada).toMatchObject({ name: 'Ada', current_title: 'Engineer', version: 2 });
		expect(grace).toMatchObject({ name: 'Grace', version: 1 });
		expect(state.handled).toBe(3);
	});

	it('rewrites temporary ids in an outbox queued before the ids were indexed (schema version 1)', async () => {
		const userId = `user-${++user}`;
		const legacy = new Dexie(outboxDatabaseName(userId));
		legacy.version(1).stores({ entries: '++seq, &id', conflicts: 'id, recordId, createdAt' });
		const tempId = 'tmp-00000000-0000-4000-8000-000000000001';
		const entry = { baseVersion: null, base: null, createdAt: Date.now(), attempts: 0 };
		await legacy.table('entries').bulkAdd([
			{ ...entry, id: 'k1', method: 'POST', path: '/candidates', body: { name: 'Ada' }, tempId },
			{
				...entry,
				id: 'k2',
				method: 'POST',
				path: '/requirements/req-1/applications',
				body: { candidate_id: tempId },
				tempId: 'tmp-00000000-0000-4000-8000-000000000002'
			}
		]);
		legacy.close();

		const upgraded = makeOutbox(userId);
		try {
			expect((await upgraded.pending()).map((e) => e.refs)).toEqual([[], [tempId]]);
			expect(await upgraded.replay()).toBe('done');
			const realId = [...state.candidates.keys()][0];
			expect(state.applications).toEqual([{ requirement_id: 'req-1', candidate_id: realId }]);
		} finally {
			upgraded.close();
		}
	});

	it('stops when the answer is lost and retries with the same key, creating nothing twice', async () => {
		state.batches = false; // a server without the batched endpoint: one request at a time
		await outbox.enqueue('POST', '/candidates', { name: 'Grace' });
		await outbox.enqueue('POST', '/candidates', { name: 'Linus' });
		state.dropAnswers = 1; // the server creates Grace, the answer never arrives
		expect(await outbox.replay()).toBe('offline');
		expect(state.candidates.size).toBe(1);
		expect((await outbox.pending()).map((e) => (e.body as { name: string }).name)).toEqual(['Grace', 'Linus']);

		expect(await outbox.replay()).toBe('done');
		expect([...state.candidates.values()].map((c) => c.name)).toEqual(['Grace', 'Linus']);
		expect(state.handled).toBe(2);
		expect(state.batchRequests).toBe(0);
	});

	it('replays in batches; a batch whose answer is lost is sent again and creates nothing twice', async () => {
		const ada = await outbox.enqueue('POST', '/candidates', { name: 'Ada' });
		await outbox.enqueue('POST', '/requirements/req-1/applications', { candidate_id: ada!.id });
		await outbox.enqueue('PATCH', `/candidates/${String(ada!.id)}`, { current_title: 'SRE', version: 0 });
		await outbox.enqueue('POST', '/candidates', { name: 'Linus' });
		state.dropBatchAnswers = 1; // the server runs the whole batch, the answer never arrives
		expect(await outbox.replay()).toBe('offline');
		expect(state.handled).toBe(4);
		expect(await outbox.counts()).toEqual({ pending: 4, conflicts: 0 });

		expect(await outbox.replay()).toBe('done');
		expect(state.batchRequests).toBe(2);
		expect(state.handled).toBe(4);
		const realId = [...state.candidates.keys()][0];
		expect([...state.candidates.values()].map((c) => [c.name, c.version])).toEqual([
			['Ada', 2],
			['Linus', 1]
		]);
		expect(state.applications).toEqual([{ requirement_id: 'req-1', candidate_id: realId }]);
		expect(cache.get(`/candidates/${realId}`)?.name).toBe('Ada');
		expect(await outbox.conflicts()).toEqual([]);
		expect(await outbox.counts()).toEqual({ pending: 0, conflicts: 0 });
	});

	it('sends a write the batch endpoint does not take (a query string) on its own, and the rest in batches', async () => {
		await outbox.enqueue('POST', '/candidates', { name: 'Grace' });
		await outbox.enqueue('POST', '/candidates?allow_duplicate=true', { name: 'Grace' });
		await outbox.enqueue('POST', '/candidates', { name: 'Alan' });
		await outbox.enqueue('POST', '/candidates', { name: 'Edsger' });
		expect(await outbox.replay()).toBe('done');
		expect([...state.candidates.values()].map((c) => c.name)).toEqual(['Grace', 'Grace', 'Alan', 'Edsger']);
		expect(state.refusedBatches).toBe(0);
		expect(state.batchRequests).toBe(1);
		expect(await outbox.counts()).toEqual({ pending: 0, conflicts: 0 });
	});

	it('gives up a request that is never answered (timeout or interrupt) and retries it once, with the same key', async () => {
		outbox.close();
		outbox = makeOutbox(`user-${++user}`, 300);
		await outbox.enqueue('POST', '/candidates', { name: 'Hedy' });
		await outbox.enqueue('PATCH', '/requirements/req-1', { location_city: 'Bergen', version: 1 });
		state.hangAnswers = 1; // handled, then the connection stays open with no answer
		const started = Date.now();
		expect(await outbox.replay()).toBe('offline');
		expect(Date.now() - started).toBeLessThan(5_000);
		expect(state.candidates.size).toBe(1);
		expect(await outbox.counts()).toEqual({ pending: 2, conflicts: 0 });

		// The browser says the network is gone while a request hangs: given up at once.
		outbox.close();
		outbox = makeOutbox(`user-${++user}`, 60_000);
		await outbox.enqueue('POST', '/candidates', { name: 'Ida' });
		state.hangAnswers = 1;
		const run = outbox.replay();
		await expect.poll(() => state.candidates.size).toBe(2);
		outbox.interrupt();
		expect(await run).toBe('offline');
		expect(await outbox.replay()).toBe('done');
		expect([...state.candidates.values()].map((c) => c.name)).toEqual(['Hedy', 'Ida']);
		// Hedy and the edit went in one batch (its answer hung); Ida alone; nothing twice.
		expect(state.handled).toBe(3);
	});

	it('merges a stale update field by field and lists a same-field conflict; keep mine re-sends it', async () => {
		await outbox.enqueue('PATCH', '/requirements/req-1', { location_city: 'Bergen', salary_min: 120, version: 1 });
		// Meanwhile someone else changed the salary online.
		Object.assign(state.requirements.get('req-1')!, { salary_min: 150, version: 2 });

		expect(await outbox.replay()).toBe('done');
		const rec = state.requirements.get('req-1')!;
		expect(rec.location_city).toBe('Bergen'); // only the client changed it: re-sent
		expect(rec.salary_min).toBe(150); // both changed it: the server's value stands
		const conflicts = await outbox.conflicts();
		expect(conflicts).toHaveLength(1);
		expect(conflicts[0]).toMatchObject({ type: 'field', field: 'salary_min', mine: 120, theirs: 150 });
		expect(cache.get('/requirements/req-1')).toMatchObject({ salary_min: 150, location_city: 'Bergen' });

		await outbox.keepMine(conflicts[0].id, rec.version);
		expect(await outbox.replay()).toBe('done');
		expect(state.requirements.get('req-1')?.salary_min).toBe(120);
		expect(await outbox.counts()).toEqual({ pending: 0, conflicts: 0 });
	});

	it('lists a refused write with the server reason, reverts it, and goes on with the rest', async () => {
		const created = await outbox.enqueue('POST', '/candidates', { name: '' });
		await outbox.enqueue('POST', '/requirements/req-1/applications', { candidate_id: created!.id });
		await outbox.enqueue('PATCH', '/requirements/req-1', { title: 'Senior dev', version: 1 });
		expect(await outbox.replay()).toBe('done');
		const conflicts = await outbox.conflicts();
		expect(conflicts.map((c) => [c.type, c.reason])).toEqual([
			['refused', 'Name is required'],
			['refused', 'Candidate not found']
		]);
		expect(cache.has(`/candidates/${created!.id}`)).toBe(false);
		expect(state.requirements.get('req-1')?.title).toBe('Senior dev');
		await outbox.keepTheirs(conflicts[0].id);
		expect(await outbox.counts()).toEqual({ pending: 0, conflicts: 1 });
	});

	it('stops on 401 and keeps the outbox until the same user resumes after signing in', async () => {
		await outbox.enqueue('POST', '/candidates', { name: 'Barbara' });
		state.expired = true;
		expect(await outbox.replay()).toBe('signed-out');
		expect(await outbox.replay()).toBe('signed-out');
		expect(state.candidates.size).toBe(0);
		expect(await outbox.counts()).toEqual({ pending: 1, conflicts: 0 });
		state.expired = false;
		expect(await outbox.resume()).toBe('done');
		expect([...state.candidates.values()].map((c) => c.name)).toEqual(['Barbara']);
	});

	it('keeps each user in a database of their own', async () => {
		await outbox.enqueue('POST', '/candidates', { name: 'Mine' });
		const other = makeOutbox('someone-else');
		try {
			expect(other.db.name).toBe(outboxDatabaseName('someone-else'));
			expect(await other.counts()).toEqual({ pending: 0, conflicts: 0 });
			expect(await other.replay()).toBe('done');
			expect(state.candidates.size).toBe(0);
		} finally {
			other.close();
		}
	});
});
