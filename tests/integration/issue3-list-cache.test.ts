import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ReadModelCache, readCounter } from '../../src/lib/server/cache/read-model-cache';
import { startProcess, type RunningProcess } from '../helpers/app';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { BACKENDS, TEST_REDIS_URL } from '../helpers/env';
import { client, createOrg, startApp, type Org, type RunningApp } from '../helpers/hiring';

/**
 * The requirements list is served from a per-process cache while a change counter, bumped by
 * triggers in the writing transaction, stands still. These tests hold it to never serving a
 * stale page: after a change through the API, a rename of a name the list shows, a write by
 * another process, or a write committed while the page was being read.
 */
describe.each(BACKENDS)('requirements list cache mechanics on %s', (backend) => {
	let database: TestDatabase;

	beforeAll(async () => {
		database = await createTestDatabase(backend);
	});
	afterAll(async () => {
		await database?.close();
	});

	const bump = async (statement: string) => {
		const before = await readCounter(database.handle.db, 'requirements_list');
		await database.handle.rows(statement);
		return (await readCounter(database.handle.db, 'requirements_list')) - before;
	};

	it('is bumped once per statement on requirements, and by renames of departments, levels and users only', async () => {
		expect(await bump(`update requirements set title = title where false`)).toBe(1);
		expect(await bump(`delete from requirements where false`)).toBe(1);
		expect(await bump(`update departments set name = name where false`)).toBe(1);
		expect(await bump(`update job_levels set name = name where false`)).toBe(1);
		expect(await bump(`update users set name = name where false`)).toBe(1);
		// Columns the list does not show leave it alone.
		expect(await bump(`update users set updated_at = now() where false`)).toBe(0);
		expect(await bump(`update departments set updated_at = now() where false`)).toBe(0);
	});

	it('does not move when the changing transaction rolls back', async () => {
		const before = await readCounter(database.handle.db, 'requirements_list');
		await expect(
			database.handle.db.transaction(async (tx) => {
				await tx.execute('update requirements set title = title where false');
				throw new Error('roll back');
			})
		).rejects.toThrow('roll back');
		expect(await readCounter(database.handle.db, 'requirements_list')).toBe(before);
	});

	it('serves a repeated query from memory, and asks again after any bump', async () => {
		const cache = new ReadModelCache<string>('requirements_list');
		let loads = 0;
		const load = async () => `answer ${++loads}`;
		expect(await cache.get(database.handle.db, 'q', load)).toBe('answer 1');
		expect(await cache.get(database.handle.db, 'q', load)).toBe('answer 1');
		expect(cache.hits).toBe(1);
		await database.handle.rows(`update requirements set title = title where false`);
		expect(await cache.get(database.handle.db, 'q', load)).toBe('answer 2');
		expect(await cache.get(database.handle.db, 'other', load)).toBe('answer 3');
		expect(cache.size(database.handle.db)).toBe(2);
	});

	it('never keeps an answer under a counter newer than the data it read (a write lands mid-read)', async () => {
		const cache = new ReadModelCache<string>('requirements_list');
		// The read sees the old data, then a write commits before the answer is stored.
		const first = await cache.get(database.handle.db, 'q', async () => {
			await database.handle.rows(`update requirements set title = title where false`);
			return 'old data';
		});
		expect(first).toBe('old data');
		expect(await cache.get(database.handle.db, 'q', async () => 'new data')).toBe('new data');
	});

	it('keeps at most its bound of entries, least recently used out first', async () => {
		const cache = new ReadModelCache<string>('requirements_list', 2);
		const db = database.handle.db;
		await cache.get(db, 'a', async () => 'a1');
		await cache.get(db, 'b', async () => 'b1');
		await cache.get(db, 'a', async () => 'a2'); // hit: a is now the most recent
		await cache.get(db, 'c', async () => 'c1'); // b goes
		expect(cache.size(db)).toBe(2);
		expect(await cache.get(db, 'a', async () => 'a3')).toBe('a1');
		expect(await cache.get(db, 'b', async () => 'b2')).toBe('b2');
	});
});

describe.each(BACKENDS)('requirements list stays fresh through the API on %s', (backend) => {
	let running: RunningApp;
	let org: Org;
	/** Postgres: a second web process on the same database, with its own cache. */
	let other: RunningProcess | undefined;
	let sql: pg.Client | undefined;

	beforeAll(async () => {
		running = await startApp(backend);
		org = await createOrg(running);
		if (backend === 'postgres') {
			other = await startProcess({
				role: 'web',
				env: { DATABASE_URL: running.database!.url!, REDIS_URL: TEST_REDIS_URL, RATE_LIMIT_PER_MINUTE: '0' }
			});
			sql = new pg.Client({ connectionString: running.database!.url });
			await sql.connect();
		}
	});
	afterAll(async () => {
		await sql?.end();
		await other?.stop();
		await running?.close();
	});

	const titles = async (api = org.recruiter.api, query = 'page_size=100') => {
		const res = await api.get(`/requirements?${query}`);
		expect(res.status, JSON.stringify(res.body)).toBe(200);
		return res.body.data.items as Array<{
			id: string;
			title: string;
			version: number;
			department_name: string;
			job_level_name: string | null;
			hiring_manager_name: string;
		}>;
	};

	async function draft(title: string, extra: Record<string, unknown> = {}) {
		const res = await org.manager.api.post('/requirements', { title, department_id: org.departmentId, ...extra });
		expect(res.status, JSON.stringify(res.body)).toBe(201);
		return res.body.data as { id: string; version: number };
	}

	it('shows a new requirement, an edit and a deletion on the very next list', async () => {
		const before = await titles();
		const created = await draft('Cache probe engineer');
		expect((await titles()).length).toBe(before.length + 1);

		const edited = await org.manager.api.patch(`/requirements/${created.id}`, {
			title: 'Cache probe lead',
			version: created.version
		});
		expect(edited.status, JSON.stringify(edited.body)).toBe(200);
		const after = await titles();
		expect(after.find((r) => r.id === created.id)?.title).toBe('Cache probe lead');
		// The same query again (a cache hit) is still the fresh answer.
		expect((await titles()).find((r) => r.id === created.id)?.title).toBe('Cache probe lead');
		// Text search pages are cached per query too.
		expect((await titles(org.recruiter.api, 'q=probe')).map((r) => r.id)).toEqual([created.id]);

		const deleted = await org.admin.api.delete(`/requirements/${created.id}`);
		expect(deleted.status, JSON.stringify(deleted.body)).toBeLessThan(300);
		expect((await titles()).some((r) => r.id === created.id)).toBe(false);
		expect(await titles(org.recruiter.api, 'q=probe')).toEqual([]);
	});

	it('shows renamed departments, job levels and hiring managers', async () => {
		const level = await org.admin.api.post('/job-levels', { name: 'Senior', rank: 3 });
		expect(level.status, JSON.stringify(level.body)).toBe(201);
		const created = await draft('Rename probe', { job_level_id: level.body.data.id });
		const row = () => titles().then((rows) => rows.find((r) => r.id === created.id)!);
		expect(await row()).toMatchObject({ department_name: 'Engineering', job_level_name: 'Senior' });

		const dept = await org.admin.api.get(`/departments/${org.departmentId}`);
		const renamedDept = await org.admin.api.patch(`/departments/${org.departmentId}`, {
			name: 'Platform Engineering',
			version: dept.body.data.version
		});
		expect(renamedDept.status, JSON.stringify(renamedDept.body)).toBe(200);
		expect((await row()).department_name).toBe('Platform Engineering');

		const renamedLevel = await org.admin.api.patch(`/job-levels/${level.body.data.id}`, {
			name: 'Staff',
			version: level.body.data.version
		});
		expect(renamedLevel.status, JSON.stringify(renamedLevel.body)).toBe(200);
		expect((await row()).job_level_name).toBe('Staff');

		const manager = await org.admin.api.get(`/users/${org.manager.id}`);
		const renamedUser = await org.admin.api.patch(`/users/${org.manager.id}`, {
			name: 'Hanna Director',
			version: manager.body.data.version
		});
		expect(renamedUser.status, JSON.stringify(renamedUser.body)).toBe(200);
		expect((await row()).hiring_manager_name).toBe('Hanna Director');
	});

	it('shows a change written by another process (Postgres: a second web process; direct SQL)', async () => {
		if (!other || !sql) return expect(backend).toBe('pglite');
		const created = await draft('Two process probe');
		const otherApi = client(other.url, org.recruiter.token);
		// Both processes have the page cached.
		expect((await titles()).some((r) => r.id === created.id)).toBe(true);
		expect((await titles(otherApi)).some((r) => r.id === created.id)).toBe(true);

		const edited = await org.manager.api.patch(`/requirements/${created.id}`, {
			title: 'Two process probe, edited',
			version: created.version
		});
		expect(edited.status, JSON.stringify(edited.body)).toBe(200);
		expect((await titles(otherApi)).find((r) => r.id === created.id)?.title).toBe('Two process probe, edited');

		// Like the sync server rendering a description into the row: no web process involved.
		await sql.query(`update requirements set title = 'Written behind the API' where id = $1`, [created.id]);
		expect((await titles()).find((r) => r.id === created.id)?.title).toBe('Written behind the API');
		expect((await titles(otherApi)).find((r) => r.id === created.id)?.title).toBe('Written behind the API');
	});
});
