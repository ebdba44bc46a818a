import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiClient, startProcess, type RunningProcess } from '../helpers/app';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { BACKENDS } from '../helpers/env';
import { createUser, registerAdmin } from '../helpers/org';

type Client = ReturnType<typeof apiClient>;

const TEMP = 'tmp-00000000-0000-4000-8000-00000000000a';
const key = (name: string) => `batch-test-${name}-${Math.random().toString(36).slice(2, 10)}`;

/**
 * The outbox's batched replay (`POST /api/v1/offline/replay`, issue 6 part 4) on the built app:
 * writes run in order through their own endpoints, a create's temporary id is replaced in the
 * later writes, a repeat of the batch (or of one write alone, with its key) changes nothing, the
 * batch stops at the first write that is not a success, and each write keeps its own permission
 * check.
 */
describe.each(BACKENDS)('batched outbox replay on %s', (backend) => {
	let app: RunningProcess;
	let database: TestDatabase | undefined;
	let admin: Client;

	beforeAll(async () => {
		const env: Record<string, string> = {};
		if (backend === 'postgres') {
			database = await createTestDatabase('postgres');
			env.DATABASE_URL = database.url as string;
		}
		app = await startProcess({ env });
		admin = (await registerAdmin(app.url)).api;
	});

	afterAll(async () => {
		await app?.stop();
		await database?.close();
	});

	const notesOf = async (id: string) => {
		const res = await admin.get(`/candidates/${id}`);
		expect(res.status).toBe(200);
		return (res.body.data.notes as Array<{ body: string }>).map((n) => n.body);
	};

	it('runs the writes in order, resolves the temporary id, and a repeat changes nothing', async () => {
		const requests = [
			{
				key: key('create'),
				method: 'POST',
				path: '/candidates',
				body: { name: 'Batch Ada', emails: ['batch.ada@example.com'] },
				temp_id: TEMP
			},
			{ key: key('note'), method: 'POST', path: `/candidates/${TEMP}/notes`, body: { body: 'Met on the train' } },
			// Based on the optimistic record (version 0): sent on the version the create gave it.
			{ key: key('update'), method: 'PATCH', path: `/candidates/${TEMP}`, body: { current_title: 'SRE', version: 0 } },
			{ key: key('second'), method: 'POST', path: '/candidates', body: { name: 'Batch Grace' } }
		];
		const first = await admin.post('/offline/replay', { requests });
		expect(first.status, JSON.stringify(first.body)).toBe(200);
		const answers = first.body.data.answers as Array<{ key: string; status: number; body: any }>;
		expect(answers.map((a) => [a.key, a.status])).toEqual([
			[requests[0].key, 201],
			[requests[1].key, 201],
			[requests[2].key, 200],
			[requests[3].key, 201]
		]);
		const id = answers[0].body.data.id as string;
		expect(answers[2].body.data).toMatchObject({ id, current_title: 'SRE', version: 2 });
		expect(await notesOf(id)).toEqual(['Met on the train']);

		// The same batch again (an answer lost on the way): the stored answers, nothing twice.
		const again = await admin.post('/offline/replay', { requests });
		expect(again.status).toBe(200);
		expect((again.body.data.answers as Array<{ status: number; body: any }>).map((a) => a.status)).toEqual([
			201, 201, 200, 201
		]);
		expect(again.body.data.answers[0].body.data.id).toBe(id);
		// One write replayed alone with its key and its rewritten body (what the outbox sends after
		// a half-finished batch): the same stored answer.
		const alone = await admin.patch(
			`/candidates/${id}`,
			{ current_title: 'SRE', version: 1 },
			{ 'idempotency-key': requests[2].key }
		);
		expect(alone.status).toBe(200);
		expect(alone.headers.get('idempotent-replayed')).toBe('true');
		const listed = await admin.get('/candidates?q=batch');
		expect(listed.body.data.pagination.total_items).toBe(2);
		expect(await notesOf(id)).toEqual(['Met on the train']);
		const current = await admin.get(`/candidates/${id}`);
		expect(current.body.data.version).toBe(2);
	});

	it('stops after the first write that is not a success', async () => {
		const created = await admin.post('/candidates', { name: 'Batch Linus' });
		const id = created.body.data.id as string;
		const res = await admin.post('/offline/replay', {
			requests: [
				{ key: key('stale'), method: 'PATCH', path: `/candidates/${id}`, body: { location: 'Oslo', version: 7 } },
				{ key: key('after'), method: 'POST', path: '/candidates', body: { name: 'Batch Never' } }
			]
		});
		expect(res.status).toBe(200);
		const answers = res.body.data.answers as Array<{ status: number; body: any }>;
		expect(answers).toHaveLength(1);
		expect(answers[0].status).toBe(409);
		expect(answers[0].body.error.code).toBe('VERSION_CONFLICT');
		expect((await admin.get('/candidates?q=never')).body.data.pagination.total_items).toBe(0);
	});

	it('keeps each write to its own permission check, and refuses bad batches with field details', async () => {
		const interviewer = await createUser(app.url, admin, 'interviewer', `Ivy Interviewer ${backend}`);
		const forbidden = await interviewer.api.post('/offline/replay', {
			requests: [{ key: key('forbidden'), method: 'POST', path: '/candidates', body: { name: 'Not Allowed' } }]
		});
		expect(forbidden.status).toBe(200);
		expect(forbidden.body.data.answers[0].status).toBe(403);
		expect((await admin.get('/candidates?q=allowed')).body.data.pagination.total_items).toBe(0);

		const anonymous = await apiClient(app.url).post('/offline/replay', {
			requests: [{ key: key('anon'), method: 'POST', path: '/candidates', body: { name: 'Nobody' } }]
		});
		expect(anonymous.status).toBe(401);

		const empty = await admin.post('/offline/replay', { requests: [] });
		expect(empty.status).toBe(422);
		expect(empty.body.error.details.map((d: { field: string }) => d.field)).toContain('requests');

		const nested = await admin.post('/offline/replay', {
			requests: [{ key: key('nested'), method: 'POST', path: '/offline/replay', body: { requests: [] } }]
		});
		expect(nested.status).toBe(422);
		expect(nested.body.error.details.map((d: { field: string }) => d.field)).toContain('requests.0.path');

		const climbing = await admin.post('/offline/replay', {
			requests: [{ key: key('dots'), method: 'DELETE', path: '/candidates/../users/x' }]
		});
		expect(climbing.status).toBe(422);
		// Nor by %-escapes, which URL parsing and routing would decode past these checks.
		for (const path of ['/candidates/%2e%2e/users/x', '/%6Fffline/replay', '//offline/replay']) {
			const escaped = await admin.post('/offline/replay', {
				requests: [{ key: key(`escaped-${path.length}`), method: 'POST', path, body: { requests: [] } }]
			});
			expect(escaped.status, path).toBe(422);
		}
	});
});
