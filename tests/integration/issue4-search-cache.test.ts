import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ReadModelCache, readCounter } from '../../src/lib/server/cache/read-model-cache';
import { candidateChangesSince, listVisibilityKey } from '../../src/lib/server/candidates/list';
import { startProcess, type RunningProcess } from '../helpers/app';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { BACKENDS, TEST_REDIS_URL } from '../helpers/env';
import {
	addApplication,
	client,
	createCandidate,
	createMember,
	createOrg,
	openRequirement,
	startApp,
	uploadCvText,
	type Client,
	type Member,
	type Org,
	type RunningApp
} from '../helpers/hiring';

/**
 * The candidates list and its full-text search are cached per query and caller while the
 * `candidates_list` change counter (migration 0012), bumped by triggers in the writing
 * transaction, stands still. These tests hold it to never serving a stale answer — after a
 * create, an edit, extracted CV text, a stage move, a merge, a deletion, a write by another
 * process or behind the API — and to never sharing an answer between callers who may see
 * different candidates.
 */
describe.each(BACKENDS)('candidates list counter on %s', (backend) => {
	let database: TestDatabase;

	beforeAll(async () => {
		database = await createTestDatabase(backend);
	});
	afterAll(async () => {
		await database?.close();
	});

	const bump = async (statement: string) => {
		const before = await readCounter(database.handle.db, 'candidates_list');
		await database.handle.rows(statement);
		return (await readCounter(database.handle.db, 'candidates_list')) - before;
	};

	/** The candidates each bump since `since` logged (null: anyone may be seen differently). */
	const logged = async (since: number) =>
		(
			await database.handle.rows(
				`select counter::int as counter, candidate_id from candidates_list_changes where counter > ${since} order by counter, candidate_id`
			)
		).map((r) => [r.counter, r.candidate_id]);

	it('is bumped once per statement that changes what the list shows or who may see it, with the candidates it changed', async () => {
		const start = await readCounter(database.handle.db, 'candidates_list');
		expect(start).toBeGreaterThanOrEqual(0);
		const [a, b] = (
			await database.handle.rows(`insert into candidates (name) values ('Log Probe A'), ('Log Probe B') returning id`)
		).map((r) => r.id as string);
		expect(await logged(start)).toEqual(
			[
				[start + 1, a],
				[start + 1, b]
			].sort((x, y) => String(x[1]).localeCompare(String(y[1])))
		);
		let at = await readCounter(database.handle.db, 'candidates_list');
		expect(await bump(`update candidates set current_title = 'Changed' where id = '${a}'`)).toBe(1);
		expect(await logged(at)).toEqual([[at + 1, a]]);
		at++;
		expect(
			await bump(
				`insert into candidate_identities (candidate_id, kind, value) values ('${b}', 'email', 'b@example.org')`
			)
		).toBe(1);
		expect(await bump(`update candidate_identities set candidate_id = '${a}' where candidate_id = '${b}'`)).toBe(1);
		// Moving an identity from B to A changes both.
		expect((await logged(at + 1)).map((r) => r[1]).sort()).toEqual([a, b].sort());
		expect(await bump(`delete from candidates where id = '${b}'`)).toBe(1);
		// Who sees which candidate: logged as "anyone" (null).
		at = await readCounter(database.handle.db, 'candidates_list');
		expect(await bump(`update requirements set department_id = department_id where false`)).toBe(1);
		expect(await bump(`update requirements set hiring_manager_id = hiring_manager_id where false`)).toBe(1);
		expect(await bump(`update departments set parent_id = parent_id where false`)).toBe(1);
		expect(await bump(`delete from user_departments where false`)).toBe(1);
		expect(await bump(`delete from interview_panelists where false`)).toBe(1);
		expect((await logged(at)).every(([, candidate]) => candidate === null)).toBe(true);
		// A statement that changed no candidate, identity or application (application stage moves
		// are followed through the API below), a card reordered in its column, a requirement
		// retitled, a department renamed: no list answer changes.
		expect(await bump(`update candidates set cv_text = cv_text where false`)).toBe(0);
		expect(await bump(`delete from candidate_identities where false`)).toBe(0);
		expect(await bump(`update applications set stage = stage where false`)).toBe(0);
		expect(await bump(`update applications set rank = rank where false`)).toBe(0);
		expect(await bump(`update requirements set title = title where false`)).toBe(0);
		expect(await bump(`update departments set name = name where false`)).toBe(0);
	});

	it('keeps the last 1,000 bumps of its log', async () => {
		const [c] = await database.handle.rows(`insert into candidates (name) values ('Log Pruning Probe') returning id`);
		await database.handle.rows(
			`do $$ begin for i in 1..1150 loop update candidates set version = version + 1 where id = '${c.id}'; end loop; end $$`
		);
		const now = await readCounter(database.handle.db, 'candidates_list');
		const [{ oldest, kept }] = await database.handle.rows(
			`select min(counter)::int as oldest, count(*)::int as kept from candidates_list_changes`
		);
		expect(now - (oldest as number)).toBeLessThan(1100);
		expect(now - (oldest as number)).toBeGreaterThanOrEqual(999);
		expect(kept).toBeLessThan(1100);
	});

	it('does not move when the changing transaction rolls back', async () => {
		const before = await readCounter(database.handle.db, 'candidates_list');
		await expect(
			database.handle.db.transaction(async (tx) => {
				await tx.execute('update candidates set name = name where false');
				throw new Error('roll back');
			})
		).rejects.toThrow('roll back');
		expect(await readCounter(database.handle.db, 'candidates_list')).toBe(before);
	});

	it('runs one query for concurrent misses under the same counter, and a query of its own after a change', async () => {
		const db = database.handle.db;
		const cache = new ReadModelCache<string>('candidates_list');
		let loads = 0;
		let release = () => {};
		const gate = new Promise<void>((resolve) => (release = resolve));
		const slow = async () => {
			const n = ++loads;
			await gate;
			return `answer ${n}`;
		};
		const first = cache.get(db, 'q', slow);
		await vi.waitFor(() => expect(loads).toBe(1));
		const second = cache.get(db, 'q', slow);
		await vi.waitFor(() => expect(cache.coalesced).toBe(1));
		// A change committed while the first load runs: a later request must not take its answer.
		await database.handle.rows(`insert into candidates (name) values ('Coalescing Probe')`);
		const third = cache.get(db, 'q', slow);
		await vi.waitFor(() => expect(loads).toBe(2));
		release();
		expect(await first).toBe('answer 1');
		expect(await second).toBe('answer 1');
		expect(await third).toBe('answer 2');
		expect(cache.misses).toBe(2);
		// The newer answer is the one kept.
		expect(await cache.get(db, 'q', slow)).toBe('answer 2');
		expect(cache.hits).toBe(1);
	});

	it('reads which candidates changed, and gives up on a bulk change (more log rows than it reads)', async () => {
		const db = database.handle.db;
		const since = await readCounter(db, 'candidates_list');
		const [c] = await database.handle.rows(`insert into candidates (name) values ('Changes Probe') returning id`);
		await database.handle.rows(`update candidates set location = 'Turin' where id = '${c.id}'`);
		expect(await candidateChangesSince(db, since)).toEqual({ counter: since + 2, changed: [c.id] });
		await database.handle.rows(`delete from user_departments where false`);
		expect((await candidateChangesSince(db, since))?.changed).toBe('everything');
		const beforeBulk = await readCounter(db, 'candidates_list');
		await database.handle.rows(
			`insert into candidates (name) select 'Bulk probe ' || g from generate_series(1, 600) g`
		);
		expect(await candidateChangesSince(db, beforeBulk)).toBeNull();
	});

	it('re-checks a stored answer against the candidates changed since, and runs the query when that cannot tell', async () => {
		const db = database.handle.db;
		const rechecks: string[][] = [];
		let verdict: string | null = 'rechecked';
		const cache = new ReadModelCache<string>('candidates_list', 8, false, {
			recheck: {
				changesSince: candidateChangesSince,
				async apply(_db, value, changed) {
					rechecks.push(changed);
					return verdict && `${value}, ${verdict}`;
				}
			}
		});
		let loads = 0;
		const load = async () => `answer ${++loads}`;
		const [x] = await database.handle.rows(`insert into candidates (name) values ('Recheck Unit Probe') returning id`);
		expect(await cache.get(db, 'q', load)).toBe('answer 1');
		await database.handle.rows(`update candidates set location = 'Oslo' where id = '${x.id}'`);
		expect(await cache.get(db, 'q', load)).toBe('answer 1, rechecked');
		expect(rechecks).toEqual([[x.id]]);
		// Stored under the counter the re-check read: the next lookup is a plain hit.
		expect(await cache.get(db, 'q', load)).toBe('answer 1, rechecked');
		expect({ hits: cache.hits, rechecked: cache.rechecked, misses: cache.misses }).toEqual({
			hits: 1,
			rechecked: 1,
			misses: 1
		});
		// Who may see which candidate changed: the query runs, the re-check is not asked.
		await database.handle.rows(`delete from user_departments where false`);
		expect(await cache.get(db, 'q', load)).toBe('answer 2');
		expect(rechecks).toHaveLength(1);
		// The re-check cannot tell: the query runs.
		verdict = null;
		await database.handle.rows(`update candidates set location = 'Bergen' where id = '${x.id}'`);
		expect(await cache.get(db, 'q', load)).toBe('answer 3');
		expect(rechecks).toHaveLength(2);
		// An answer older than the log's span: the query runs without asking.
		verdict = 'rechecked';
		await database.handle.rows(
			`do $$ begin for i in 1..510 loop update candidates set version = version + 1 where id = '${x.id}'; end loop; end $$`
		);
		expect(await cache.get(db, 'q', load)).toBe('answer 4');
		expect(rechecks).toHaveLength(2);
		expect(cache.misses).toBe(4);
	});
});

describe('candidates list cache key', () => {
	it('separates roles and what the department scope shows; the whole organisation shares by role', () => {
		const engineering = new Set(['d-eng']);
		const admin = listVisibilityKey({ userId: 'u1', role: 'admin' }, null);
		const recruiter = listVisibilityKey({ userId: 'u2', role: 'recruiter' }, null);
		const viewer = listVisibilityKey({ userId: 'u2', role: 'viewer' }, null);
		// Scoped users also see their own requirements and panels: keyed by user as well.
		const scopedA = listVisibilityKey({ userId: 'u3', role: 'recruiter' }, engineering);
		const scopedB = listVisibilityKey({ userId: 'u4', role: 'recruiter' }, engineering);
		const scopedOther = listVisibilityKey({ userId: 'u3', role: 'recruiter' }, new Set(['d-sales']));
		expect(new Set([admin, recruiter, viewer, scopedA, scopedB, scopedOther]).size).toBe(6);
		expect(listVisibilityKey({ userId: 'u9', role: 'admin' }, null)).toBe(admin);
		expect(listVisibilityKey({ userId: 'u5', role: 'recruiter' }, null)).toBe(recruiter);
	});
});

describe.each(BACKENDS)('candidates list stays fresh through the API on %s', (backend) => {
	let running: RunningApp;
	let org: Org;
	let recruiter: Member;
	/** Postgres: a second web process on the same database, with its own cache. */
	let other: RunningProcess | undefined;
	let sqlClient: pg.Client | undefined;

	beforeAll(async () => {
		running = await startApp(backend);
		org = await createOrg(running);
		recruiter = org.recruiter;
		if (backend === 'postgres') {
			other = await startProcess({
				role: 'web',
				env: { DATABASE_URL: running.database!.url!, REDIS_URL: TEST_REDIS_URL, RATE_LIMIT_PER_MINUTE: '0' }
			});
			sqlClient = new pg.Client({ connectionString: running.database!.url });
			await sqlClient.connect();
		}
	});
	afterAll(async () => {
		await sqlClient?.end();
		await other?.stop();
		await running?.close();
	});

	async function ids(query: string, api: Client = recruiter.api) {
		const res = await api.get(`/candidates?${query}`);
		expect(res.status, JSON.stringify(res.body)).toBe(200);
		return {
			ids: (res.body.data.items as Array<{ id: string }>).map((c) => c.id),
			total: res.body.data.pagination.total_items as number,
			items: res.body.data.items as Array<Record<string, any>>
		};
	}

	/** This cache's lookups in the app's /metrics. */
	async function lookups(baseUrl = running.url) {
		const text = await (await fetch(`${baseUrl}/metrics`)).text();
		const value = (outcome: string) => {
			const m = new RegExp(
				`read_model_cache_lookups_total\\{cache="candidates_list",outcome="${outcome}"\\} (\\d+)`
			).exec(text);
			return m ? Number(m[1]) : 0;
		};
		return { hits: value('hit'), misses: value('miss') };
	}

	it('serves a repeated search from memory, and a create, an edit and a deletion on the very next one', async () => {
		expect((await ids('q=quokkafresh')).ids).toEqual([]);
		const before = await lookups();
		expect((await ids('q=quokkafresh')).ids).toEqual([]);
		const after = await lookups();
		expect(after.hits - before.hits).toBe(1);
		expect(after.misses - before.misses).toBe(0);

		const created = await createCandidate(recruiter, { name: 'Quokkafresh Probe', current_title: 'Engineer' });
		expect((await ids('q=quokkafresh')).ids).toEqual([created.id]);
		// The list without text is cached too.
		const firstPage = await ids('page_size=100');
		expect(firstPage.ids).toContain(created.id);

		const edited = await recruiter.api.patch(`/candidates/${created.id}`, {
			current_title: 'Wombatwrangler',
			version: created.version
		});
		expect(edited.status, JSON.stringify(edited.body)).toBe(200);
		expect((await ids('q=wombatwrangler')).ids).toEqual([created.id]);
		expect((await ids('q=quokkafresh')).items[0].current_title).toBe('Wombatwrangler');
		// Twice: the hit is the fresh answer too.
		expect((await ids('q=quokkafresh')).items[0].current_title).toBe('Wombatwrangler');

		const deleted = await org.admin.api.delete(`/candidates/${created.id}`);
		expect(deleted.status, JSON.stringify(deleted.body)).toBeLessThan(300);
		expect((await ids('q=quokkafresh')).ids).toEqual([]);
		expect((await ids('page_size=100')).ids).not.toContain(created.id);
	});

	/** This cache's re-checks in the app's /metrics. */
	async function rechecks(baseUrl = running.url) {
		const text = await (await fetch(`${baseUrl}/metrics`)).text();
		const m = /read_model_cache_lookups_total\{cache="candidates_list",outcome="rechecked"\} (\d+)/.exec(text);
		return m ? Number(m[1]) : 0;
	}

	it('brings a cached search up to date from the changed rows, and runs it again when they move in the answer', async () => {
		const one = await createCandidate(recruiter, { name: 'Recheckprobe One', location: 'Lisbon' });
		const two = await createCandidate(recruiter, { name: 'Recheckprobe Two' });
		const other = await createCandidate(recruiter, { name: 'Unrelated Person' });
		const search = () => ids('q=recheckprobe');
		const first = await search();
		expect([...first.ids].sort()).toEqual([one.id, two.id].sort());
		const edit = async (c: { id: string }, fields: Record<string, unknown>) => {
			const current = await recruiter.api.get(`/candidates/${c.id}`);
			const res = await recruiter.api.patch(`/candidates/${c.id}`, { ...fields, version: current.body.data.version });
			expect(res.status, JSON.stringify(res.body)).toBe(200);
		};
		/** The outcome of the next search: how many queries it ran and how many re-checks. */
		const outcome = async () => {
			const [before, beforeRechecks] = [await lookups(), await rechecks()];
			const answer = await search();
			const [after, afterRechecks] = [await lookups(), await rechecks()];
			return { answer, misses: after.misses - before.misses, rechecked: afterRechecks - beforeRechecks };
		};

		// A candidate outside the answer changes and stays outside: no query.
		await edit(other, { location: 'Porto' });
		let next = await outcome();
		expect([next.misses, next.rechecked]).toEqual([0, 1]);
		expect(next.answer.ids).toEqual(first.ids);

		// One in the answer changes something that does not move it: its row is refreshed in place.
		await edit(one, { location: 'Madrid' });
		next = await outcome();
		expect([next.misses, next.rechecked]).toEqual([0, 1]);
		expect(next.answer.ids).toEqual(first.ids);
		expect(next.answer.items.find((c) => c.id === one.id)?.location).toBe('Madrid');
		expect(next.answer.total).toBe(2);

		// The other comes into the answer: the query runs, and the total follows.
		await edit(other, { current_title: 'Recheckprobe enthusiast' });
		next = await outcome();
		expect(next.misses).toBe(1);
		expect(next.answer.total).toBe(3);
		expect(next.answer.ids).toContain(other.id);

		// A new rank (the word in the title as well as the name) moves it to the top: the query runs.
		await edit(two, { current_title: 'Recheckprobe lead' });
		next = await outcome();
		expect(next.misses).toBe(1);
		const ranks = next.answer.items.map((c) => c.rank as number);
		expect(ranks).toEqual([...ranks].sort((a, b) => b - a));
		expect(next.answer.ids).toEqual((await ids('q=recheckprobe&page_size=50')).ids);

		// Out of the answer (deleted): the query runs, and the total follows.
		const deleted = await org.admin.api.delete(`/candidates/${two.id}`);
		expect(deleted.status, JSON.stringify(deleted.body)).toBeLessThan(300);
		next = await outcome();
		expect(next.misses).toBe(1);
		expect(next.answer.total).toBe(2);
		expect(next.answer.ids).not.toContain(two.id);
	});

	it('keeps a first page when a candidate further down changes without moving, and not a later page', async () => {
		const older = await createCandidate(recruiter, { name: 'Pagedprobe Older' });
		const newer = await createCandidate(recruiter, { name: 'Pagedprobe Newer' });
		const pageOne = await ids('q=pagedprobe&page_size=1');
		const pageTwo = await ids('q=pagedprobe&page_size=1&page=2');
		expect(pageOne.total).toBe(2);
		const [top, below] = pageOne.ids[0] === newer.id ? [newer, older] : [older, newer];
		expect(pageTwo.ids).toEqual([below.id]);
		const current = await recruiter.api.get(`/candidates/${below.id}`);
		const res = await recruiter.api.patch(`/candidates/${below.id}`, {
			location: 'Below the page',
			version: current.body.data.version
		});
		expect(res.status).toBe(200);
		const before = await lookups();
		const beforeRechecks = await rechecks();
		expect((await ids('q=pagedprobe&page_size=1')).ids).toEqual([top.id]);
		const middle = await lookups();
		expect([middle.misses - before.misses, (await rechecks()) - beforeRechecks]).toEqual([0, 1]);
		// On the second page it is the row itself: refreshed there without a query.
		expect((await ids('q=pagedprobe&page_size=1&page=2')).items[0].location).toBe('Below the page');
		expect((await lookups()).misses - middle.misses).toBe(0);
	});

	it('finds a candidate by CV text as soon as the extraction job has written it', async () => {
		const c = await createCandidate(recruiter, { name: 'Cv Cache Probe' });
		expect((await ids('q=zygomorphic')).ids).toEqual([]);
		expect((await ids('q=zygomorphic')).ids).toEqual([]);
		await uploadCvText(running, recruiter, c.id, 'Ten years of zygomorphic flower research.');
		expect((await ids('q=zygomorphic')).ids).toEqual([c.id]);
	});

	it('follows a stage move in the stage filter, and a merge', async () => {
		const req = await openRequirement(org, 'Cache stage probe');
		const c = await createCandidate(recruiter, { name: 'Stage Cache Probe', tags: ['stageprobe'] });
		const app = await addApplication(recruiter, req.id, c.id);
		const inStage = (stage: string) => ids(`tag=stageprobe&requirement_id=${req.id}&stage=${stage}`);
		expect((await inStage('screening')).ids).toEqual([]);
		expect((await inStage(app.stage)).ids).toEqual([c.id]);
		const moved = await recruiter.api.patch(`/applications/${app.id}/stage`, {
			stage: 'screening',
			version: app.version
		});
		expect(moved.status, JSON.stringify(moved.body)).toBe(200);
		expect((await inStage('screening')).ids).toEqual([c.id]);
		expect((await inStage(app.stage)).ids).toEqual([]);

		const survivor = await createCandidate(recruiter, { name: 'Merge Cache Survivor', tags: ['mergeprobe'] });
		const duplicate = await createCandidate(recruiter, {
			name: 'Merge Cache Duplicate',
			tags: ['mergeprobe'],
			emails: ['merge.cache@example.org']
		});
		expect((await ids('tag=mergeprobe')).total).toBe(2);
		expect((await ids('q=merge.cache%40example.org')).ids).toEqual([duplicate.id]);
		const merged = await recruiter.api.post(`/candidates/${survivor.id}/merge`, { duplicate_id: duplicate.id });
		expect(merged.status, JSON.stringify(merged.body)).toBe(200);
		expect((await ids('tag=mergeprobe')).ids).toEqual([survivor.id]);
		expect((await ids('q=merge.cache%40example.org')).ids).toEqual([survivor.id]);
	});

	it('never shares an answer between callers who may see different candidates', async () => {
		const second = await createMember(running, 'recruiter', 'Ruth Second');
		const scoped = await createMember(running, 'recruiter', 'Sam Scoped');
		const assigned = await org.admin.api.patch(`/users/${scoped.id}`, { department_ids: [org.departmentId] });
		expect(assigned.status, JSON.stringify(assigned.body)).toBe(200);
		await ids('q=sharingprobe');
		await ids('q=sharingprobe');
		// A recruiter limited to a department, a viewer, an admin: each is asked on its own (a
		// miss), not served the first recruiter's entry…
		const before = await lookups();
		await ids('q=sharingprobe', scoped.api);
		await ids('q=sharingprobe', org.viewer.api);
		await ids('q=sharingprobe', org.admin.api);
		const after = await lookups();
		expect(after.misses - before.misses).toBe(3);
		expect(after.hits - before.hits).toBe(0);
		// …while another recruiter of the whole organisation sees what the first sees: shared.
		await ids('q=sharingprobe', second.api);
		expect((await lookups()).hits - after.hits).toBe(1);
		// A caller who may not list candidates is refused, whatever is cached.
		expect((await org.interviewer.api.get('/candidates?q=sharingprobe')).status).toBe(403);
	});

	it('shows a change written by another process or behind the API (Postgres)', async () => {
		if (!other || !sqlClient) return expect(backend).toBe('pglite');
		const otherApi = client(other.url, recruiter.token);
		const c = await createCandidate(recruiter, { name: 'Twoprocess Probe' });
		expect((await ids('q=twoprocess', otherApi)).ids).toEqual([c.id]);
		expect((await ids('q=twoprocess')).ids).toEqual([c.id]);

		const edited = await recruiter.api.patch(`/candidates/${c.id}`, { current_title: 'Edited', version: c.version });
		expect(edited.status, JSON.stringify(edited.body)).toBe(200);
		expect((await ids('q=twoprocess', otherApi)).items[0].current_title).toBe('Edited');

		// Like the worker writing extracted CV text: no web process involved.
		await sqlClient.query(`update candidates set current_title = 'Written behind the API' where id = $1`, [c.id]);
		expect((await ids('q=twoprocess')).items[0].current_title).toBe('Written behind the API');
		expect((await ids('q=twoprocess', otherApi)).items[0].current_title).toBe('Written behind the API');
	});
});
