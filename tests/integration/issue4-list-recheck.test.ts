import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newListCache, queryCandidates } from '../../src/lib/server/candidates/list';
import { listCandidatesQuery } from '../../src/lib/schemas/candidates';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { BACKENDS } from '../helpers/env';

/**
 * A cached candidates list answer re-checked against the changed rows (migration 0013,
 * src/lib/server/candidates/list.ts) must be exactly the answer its query gives now. Random
 * changes — titles, names, tags, CV text, deletions and restores, new candidates, fields the
 * ranking ignores — on a small data set with tied creation times; after each, every cached
 * answer of several searches, filters and pages is compared with a fresh query.
 */
describe.each(BACKENDS)('re-checked list answers on %s', (backend) => {
	let database: TestDatabase;

	beforeAll(async () => {
		database = await createTestDatabase(backend);
	});
	afterAll(async () => {
		await database?.close();
	});

	/** A deterministic PRNG (mulberry32), so that a failure can be replayed. */
	function prng(seed: number) {
		return () => {
			seed = (seed + 0x6d2b79f5) | 0;
			let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
			t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
			return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
		};
	}

	it('equal a fresh query after every change, and mostly without running it', async () => {
		const random = prng(20261204);
		const pick = <T>(list: readonly T[]) => list[Math.floor(random() * list.length)];
		const NAMES = ['Ada Lovelace', 'Ben Engineer', 'Cleo Cloud', 'Dan Data', 'Eve Archer', 'Finn Scientist'];
		const TITLES = ['Engineer', 'Data Scientist', 'Designer', 'Cloud Architect', 'Recruiter', 'Staff Engineer'];
		const TAGS = [[], ['kubernetes'], ['go', 'kubernetes'], ['react'], ['cloud']];
		const CVS = ['', 'kubernetes and go', 'data pipelines in the cloud', 'design systems', 'engineer of architecture'];
		const sqlText = (s: string) => `'${s.replace(/'/g, "''")}'`;
		const values = (i: number) =>
			`(${sqlText(`${pick(NAMES)} ${i}`)}, ${sqlText(pick(TITLES))}, ${sqlText(JSON.stringify(pick(TAGS)))}::jsonb, ${sqlText(pick(CVS))}, ` +
			// Every third candidate shares its creation time with another: ties are ordered by id.
			`timestamptz '2026-01-01' + interval '1 second' * ${Math.floor(i / 3) * 3})`;
		const rows = Array.from({ length: 60 }, (_, i) => values(i));
		const ids = (
			await database.handle.rows(
				`insert into candidates (name, current_title, tags, cv_text, created_at) values ${rows.join(', ')} returning id`
			)
		).map((r) => r.id as string);

		const QUERIES = [
			{ q: 'engineer', page_size: 5 },
			{ q: 'engineer', page_size: 5, page: 2 },
			{ q: 'kubernetes', page_size: 4 },
			{ q: 'cloud architect', page_size: 3 },
			{ q: 'ada', page_size: 10 },
			{ q: 'data', page_size: 5, page: 3 },
			{ page_size: 7 },
			{ page_size: 7, page: 4 },
			{ tag: ['kubernetes'], page_size: 6 },
			{ q: 'nobodyhasthis', page_size: 5 }
		].map((q) => listCandidatesQuery.parse(q));
		const cache = newListCache();
		const db = database.handle.db;
		const lookups = () => cache.hits + cache.rechecked + cache.misses;

		const compareAll = async (step: string) => {
			for (const q of QUERIES) {
				const key = JSON.stringify(q);
				const cached = await cache.get(db, key, () => queryCandidates(db, q, undefined));
				const fresh = await queryCandidates(db, q, undefined);
				expect(cached.page, `${step}, ${key}`).toEqual(fresh.page);
				// The member list is a set (its order is the scan's).
				const members = (list: string | null) => list?.split(',').filter(Boolean).sort();
				expect(members(cached.members), `${step}, ${key}`).toEqual(members(fresh.members));
			}
		};
		await compareAll('start');

		const CHANGES: Array<() => string> = [
			() => `update candidates set current_title = ${sqlText(pick(TITLES))} where id = '${pick(ids)}'`,
			() => `update candidates set name = ${sqlText(`${pick(NAMES)} renamed`)} where id = '${pick(ids)}'`,
			() => `update candidates set tags = ${sqlText(JSON.stringify(pick(TAGS)))}::jsonb where id = '${pick(ids)}'`,
			() => `update candidates set cv_text = ${sqlText(pick(CVS))} where id = '${pick(ids)}'`,
			() =>
				`update candidates set location = ${sqlText(`City ${Math.floor(random() * 100)}`)} where id = '${pick(ids)}'`,
			() => `update candidates set location = 'Twice', phone = null where id in ('${pick(ids)}', '${pick(ids)}')`,
			() => `update candidates set deleted_at = now() where id = '${pick(ids)}'`,
			() => `update candidates set deleted_at = null where id = '${pick(ids)}'`
		];
		for (let step = 0; step < 60; step++) {
			if (step % 15 === 14) {
				const [row] = await database.handle.rows(
					`insert into candidates (name, current_title, tags, cv_text, created_at) values ${values(step)} returning id`
				);
				ids.push(row.id as string);
			} else {
				await database.handle.rows(pick(CHANGES)());
			}
			await compareAll(`after change ${step}`);
		}
		// The re-check answered a good share of the lookups without running the query.
		expect(cache.rechecked).toBeGreaterThan(lookups() / 4);
		expect(cache.misses).toBeLessThan(lookups());
	});
});
