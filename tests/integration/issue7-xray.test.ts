import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiClient } from '../helpers/app';
import { makeProfiles, startFakeCse, type FakeCse } from '../helpers/cse';
import { BACKENDS } from '../helpers/env';
import {
	createCandidate,
	createOrg,
	openRequirement,
	sql,
	startApp,
	type Org,
	type RunningApp
} from '../helpers/hiring';

/**
 * LinkedIn X-ray (issue 7, part 7): the Google query built from a requirement, run through a
 * local Custom Search JSON API with the real response shape — paging, the daily quota counted
 * and respected, profiles parsed, de-duplicated against candidates by LinkedIn URL, added to the
 * pipeline with source `sourcing` — and only for recruiters and admins.
 */

const CSE_KEY = 'cse-test-key-never-shown-31337';
const CSE_CX = 'test-engine:42';

interface ResultView {
	id: string;
	name: string;
	headline: string | null;
	location: string | null;
	profile_url: string;
	status: string;
	existing_candidate_id: string | null;
	candidate_id: string | null;
}

describe.each(BACKENDS)('LinkedIn X-ray on %s', (backend) => {
	let cse: FakeCse;
	let running: RunningApp;
	let org: Org;
	let requirementId: string;

	beforeAll(async () => {
		cse = await startFakeCse({ key: CSE_KEY, cx: CSE_CX, profiles: makeProfiles(35) });
		running = await startApp(backend, {
			GOOGLE_CSE_BASE_URL: `${cse.url}/customsearch/v1`,
			GOOGLE_CSE_DAILY_QUOTA: '8'
		});
		org = await createOrg(running);
		requirementId = (
			await openRequirement(org, 'Senior Backend Engineer', {
				must_have_skills: ['Go', 'PostgreSQL'],
				location_city: 'Berlin',
				remote_policy: 'hybrid'
			})
		).id;
	}, 240_000);

	afterAll(async () => {
		await running?.close();
		await cse?.close();
	});

	const xray = (body: Record<string, unknown>, who = org.recruiter) =>
		who.api.post('/sourcing/linkedin-xray', { requirement_id: requirementId, ...body });

	it('without Custom Search keys the query is still built and shown, with a "not configured" message', async () => {
		const res = await xray({});
		expect(res.status, JSON.stringify(res.body)).toBe(200);
		const data = res.body.data;
		expect(data.configured).toBe(false);
		expect(data.message).toMatch(/not configured/i);
		expect(data.query).toBe(data.built_query);
		expect(data.query).toMatch(/^site:linkedin\.com\/in /);
		expect(data.query).toContain('"Senior Backend Engineer" OR "Senior Backend Developer"');
		expect(data.query).toContain('"Go" "PostgreSQL" "Berlin"');
		expect(data.query).toContain('-jobs');
		expect(data.results).toEqual([]);
		expect(cse.requests).toHaveLength(0);

		const excluded = await xray({ exclude: ['recruiter', 'freelance'] });
		expect(excluded.body.data.query).toMatch(/-recruiter -freelance$/);
	});

	it('with keys it pages through Custom Search, parses profiles and marks existing candidates as duplicates', async () => {
		const saved = await org.admin.api.put('/settings/integrations/google_cse', { key: CSE_KEY, cx: CSE_CX });
		expect(saved.status, JSON.stringify(saved.body)).toBe(200);
		// Already a candidate, written differently (no www, trailing slash, capitals).
		const existing = await createCandidate(org.recruiter, {
			name: 'Person Two',
			linkedin_url: `linkedin.com/in/${cse.profiles[1].slug.toUpperCase()}/`
		});

		const res = await xray({ pages: 2 });
		expect(res.status, JSON.stringify(res.body)).toBe(200);
		const data = res.body.data;
		expect(data.configured).toBe(true);
		expect(cse.requests.map((r) => r.start)).toEqual([1, 11]);
		expect(cse.requests.every((r) => r.q === data.query && r.cx === CSE_CX && r.num === 10)).toBe(true);
		expect(data).toMatchObject({ pages_fetched: 2, found: 20, added: 19, duplicates: 1, already_listed: 0 });
		expect(data.quota).toMatchObject({ used: 2, limit: 8, remaining: 6 });

		const results = data.results as ResultView[];
		expect(results).toHaveLength(20);
		const first = results.find((r) => r.name === 'Person 1 Example');
		expect(first).toMatchObject({
			headline: 'Senior Backend Engineer - Company 1',
			location: 'Munich, Bavaria, Germany',
			profile_url: `https://www.linkedin.com/in/${cse.profiles[0].slug}`,
			status: 'new'
		});
		const dup = results.find((r) => r.name === 'Person 2 Example');
		expect(dup).toMatchObject({ status: 'duplicate', existing_candidate_id: existing.id, location: 'Berlin, Germany' });

		// The list endpoint shows the same.
		const listed = await org.recruiter.api.get(`/sourcing/results?requirement_id=${requirementId}`);
		expect(listed.status).toBe(200);
		expect(listed.body.data.items).toHaveLength(20);
	});

	it('an edited query is used as written; profiles listed before are not listed twice; the last page ends paging', async () => {
		cse.requests.length = 0;
		const edited = 'site:linkedin.com/in "Backend Engineer" "Go"';
		const res = await xray({ query: edited, pages: 5 });
		expect(res.status, JSON.stringify(res.body)).toBe(200);
		// 35 results: pages at 1, 11, 21, 31; the fourth has no next page.
		expect(cse.requests.map((r) => r.start)).toEqual([1, 11, 21, 31]);
		expect(cse.requests.every((r) => r.q === edited)).toBe(true);
		expect(res.body.data).toMatchObject({ query: edited, found: 35, added: 15, already_listed: 20, pages_fetched: 4 });
		expect(res.body.data.quota).toMatchObject({ used: 6, remaining: 2 });
	});

	it("Google's own 429 is passed on plainly, without the key", async () => {
		cse.quotaExceeded = true;
		try {
			const res = await xray({});
			expect(res.status).toBe(429);
			expect(res.body.error.message).toMatch(/Google refused the search: Quota exceeded/);
			expect(JSON.stringify(res.body)).not.toContain(CSE_KEY);
		} finally {
			cse.quotaExceeded = false;
		}
	});

	it('the daily quota is respected: a run stops when it runs out, the next is refused with 429', async () => {
		cse.requests.length = 0;
		const partial = await xray({ pages: 3 });
		expect(partial.status, JSON.stringify(partial.body)).toBe(200);
		expect(cse.requests).toHaveLength(1);
		expect(partial.body.data).toMatchObject({ pages_fetched: 1, quota_exhausted: true });
		expect(partial.body.data.message).toMatch(/quota ran out/);

		const refused = await xray({ pages: 1 });
		expect(refused.status).toBe(429);
		expect(refused.body.error.code).toBe('TOO_MANY_REQUESTS');
		expect(refused.body.error.message).toMatch(/quota \(8 queries\) is used up/);
		expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
		expect(cse.requests).toHaveLength(1);
		const rows = await sql<{ used: number }>(running.database, 'SELECT used FROM search_quota');
		if (rows) expect(rows).toEqual([{ used: 8 }]);
	});

	it('adds a result to the pipeline as a sourcing candidate with an application, once', async () => {
		const listed = await org.recruiter.api.get(`/sourcing/results?requirement_id=${requirementId}`);
		const results = listed.body.data.items as ResultView[];
		const fresh = results.find((r) => r.name === 'Person 5 Example')!;
		const added = await org.recruiter.api.post(`/sourcing/results/${fresh.id}/add`, {});
		expect(added.status, JSON.stringify(added.body)).toBe(201);
		expect(added.body.data).toMatchObject({ created_candidate: true, result: { status: 'added' } });
		const candidate = await org.recruiter.api.get(`/candidates/${added.body.data.candidate_id}`);
		expect(candidate.body.data).toMatchObject({
			name: 'Person 5 Example',
			source: 'sourcing',
			current_title: 'Senior Backend Engineer',
			current_company: 'Company 5',
			location: 'Munich, Bavaria, Germany',
			linkedin_url: `https://www.linkedin.com/in/${cse.profiles[4].slug}`
		});
		const apps = await org.recruiter.api.get(`/requirements/${requirementId}/applications`);
		const ids = JSON.stringify(apps.body);
		expect(ids).toContain(added.body.data.application_id);

		const again = await org.recruiter.api.post(`/sourcing/results/${fresh.id}/add`, {});
		expect(again.status).toBe(409);
		expect(again.body.error.code).toBe('ALREADY_ADDED');

		// A duplicate result adds the existing candidate, creating no one.
		const dup = results.find((r) => r.status === 'duplicate')!;
		const addedDup = await org.recruiter.api.post(`/sourcing/results/${dup.id}/add`, {});
		expect(addedDup.status, JSON.stringify(addedDup.body)).toBe(201);
		expect(addedDup.body.data).toMatchObject({ created_candidate: false, candidate_id: dup.existing_candidate_id });
		const count = await sql<{ n: string }>(
			running.database,
			"SELECT count(*) AS n FROM candidates WHERE name LIKE 'Person%'"
		);
		if (count) expect(Number(count[0].n)).toBe(2);
	});

	it('only recruiters and admins source; input errors name the field', async () => {
		for (const who of [org.manager, org.viewer, org.interviewer, org.approver]) {
			expect((await xray({}, who)).status).toBe(403);
			expect((await who.api.get(`/sourcing/results?requirement_id=${requirementId}`)).status).toBe(403);
		}
		const listed = await org.admin.api.get(`/sourcing/results?requirement_id=${requirementId}`);
		expect(listed.status).toBe(200);
		const some = (listed.body.data.items as ResultView[]).find((r) => r.status === 'new')!;
		expect((await org.manager.api.post(`/sourcing/results/${some.id}/add`, {})).status).toBe(403);
		expect(
			(await apiClient(running.url).post('/sourcing/linkedin-xray', { requirement_id: requirementId })).status
		).toBe(401);
		const bad = await org.recruiter.api.post('/sourcing/linkedin-xray', { pages: 50 });
		expect(bad.status).toBe(422);
		const fields = (bad.body.error.details as Array<{ field: string }>).map((d) => d.field).sort();
		expect(fields).toEqual(['pages', 'requirement_id']);
		expect((await xray({ requirement_id: '00000000-0000-4000-8000-000000000000' })).status).toBe(404);
	});
});
