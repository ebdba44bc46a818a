import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { apiClient } from '../helpers/app';
import { BACKENDS } from '../helpers/env';
import { startFakeGemini, type FakeGemini } from '../helpers/gemini';
import {
	createCandidate,
	createOrg,
	openRequirement,
	startApp,
	waitForJob,
	type Org,
	type RunningApp
} from '../helpers/hiring';

/**
 * Market research (issue 7, part 5) through the API of the built app: POST /ai/market-research
 * → 202 {job_id} → a saved market_research row (every run kept) at
 * GET /requirements/:id/market-research; the heuristic from the organisation's own candidates
 * (sample size shown, AI-excluded candidates left out), Gemini (the local fake) when configured.
 */
describe.each(BACKENDS)('market research on %s', (backend) => {
	let fake: FakeGemini;
	let heuristicApp: RunningApp;
	let geminiApp: RunningApp;
	let org: Org;
	let geminiOrg: Org;
	let requirementId: string;
	let geminiRequirementId: string;

	beforeAll(async () => {
		fake = await startFakeGemini();
		heuristicApp = await startApp(backend);
		geminiApp = await startApp(backend, {
			GEMINI_API_KEY: 'fake-key-for-market-research',
			GEMINI_BASE_URL: fake.url,
			GEMINI_RETRY_BASE_MS: '50',
			GEMINI_TIMEOUT_MS: '1500'
		});
		org = await createOrg(heuristicApp);
		geminiOrg = await createOrg(geminiApp);
		requirementId = (await openRequirement(org, 'Backend Engineer', { must_have_skills: ['Go'] })).id;
		geminiRequirementId = (await openRequirement(geminiOrg, 'Backend Engineer', { must_have_skills: ['Go'] })).id;
		const people: Array<[string, string, string[], boolean?]> = [
			['Backend Engineer', 'Acme', ['Go', 'Postgres']],
			['Senior Backend Engineer', 'Acme', ['Go', 'Kubernetes']],
			['Backend Engineer', 'Globex', ['Go']],
			['Backend Engineer', 'Secret Corp', ['Rust'], true],
			['Account Executive', 'Initech', ['Sales']]
		];
		let n = 0;
		for (const [title, company, tags, aiExcluded] of people) {
			await createCandidate(org.recruiter, {
				name: `Person ${++n}`,
				emails: [`person${n}@example.com`],
				current_title: title,
				current_company: company,
				tags,
				...(aiExcluded ? { ai_excluded: true } : {})
			});
		}
	});

	afterAll(async () => {
		await heuristicApp?.close();
		await geminiApp?.close();
		await fake?.close();
	});

	afterEach(() => {
		fake.requests.length = 0;
		fake.script.length = 0;
	});

	it('without Gemini, researches from the organisation’s own candidates and keeps every run', async () => {
		const res = await org.recruiter.api.post('/ai/market-research', { requirement_id: requirementId });
		expect(res.status, JSON.stringify(res.body)).toBe(202);
		const { job } = await waitForJob(org.recruiter, res.body.data.job_id);
		expect(job.status, JSON.stringify(job)).toBe('completed');

		const list = await org.viewer.api.get(`/requirements/${requirementId}/market-research`);
		expect(list.status, JSON.stringify(list.body)).toBe(200);
		expect(list.body.data.items).toHaveLength(1);
		const [latest] = list.body.data.items;
		expect(latest.source).toBe('heuristic');
		expect(latest.created_at).toBeTruthy();
		const result = latest.result;
		// Three similar titles; the AI-excluded candidate and the account executive do not count.
		expect(result.sampleSize).toBe(3);
		expect(result.talentAvailability).toMatchObject({ level: 'limited', candidateCount: 3 });
		expect(result.competingEmployers.map((e: { name: string }) => e.name)).toEqual(['Acme', 'Globex']);
		expect(result.competingEmployers[0].count).toBe(2);
		expect(result.typicalSkills[0]).toEqual({ skill: 'go', count: 3 }); // tags are stored lower-case;
		expect(result.typicalSkills.map((s: { skill: string }) => s.skill)).not.toContain('rust');
		expect(result.typicalTitles[0]).toEqual({ title: 'Backend Engineer', count: 2 });
		expect(JSON.stringify(result)).not.toMatch(/Secret Corp|Initech/);

		const again = await org.manager.api.post('/ai/market-research', { requirement_id: requirementId });
		expect(again.status, JSON.stringify(again.body)).toBe(202);
		expect((await waitForJob(org.manager, again.body.data.job_id)).job.status).toBe('completed');
		const history = await org.recruiter.api.get(`/requirements/${requirementId}/market-research`);
		expect(history.body.data.items).toHaveLength(2);
		expect(history.body.data.items[0].id).not.toBe(latest.id);
		expect(history.body.data.items[1].id).toBe(latest.id);
	});

	it('with Gemini, asks it with a JSON schema and saves its answer marked gemini', async () => {
		fake.script.push({
			json: {
				availability: 'moderate',
				availabilitySummary: 'Plenty of Go engineers in Berlin, most employed.',
				competingEmployers: [{ name: 'Zalando', note: 'Large Go teams' }],
				typicalTitles: ['Backend Engineer', 'Software Engineer (Go)'],
				typicalSkills: ['Go', 'gRPC']
			}
		});
		const res = await geminiOrg.recruiter.api.post('/ai/market-research', { requirement_id: geminiRequirementId });
		expect(res.status, JSON.stringify(res.body)).toBe(202);
		expect((await waitForJob(geminiOrg.recruiter, res.body.data.job_id)).job.status).toBe('completed');
		expect(fake.requests).toHaveLength(1);
		expect(fake.requests[0].prompt).toMatch(/Title: Backend Engineer/);
		expect(fake.requests[0].prompt).toMatch(/Must-have skills: Go/);
		expect(fake.requests[0].body.generationConfig?.responseMimeType).toBe('application/json');
		const list = await geminiOrg.recruiter.api.get(`/requirements/${geminiRequirementId}/market-research?page_size=1`);
		expect(list.status).toBe(200);
		const [latest] = list.body.data.items;
		expect(latest.source).toBe('gemini');
		expect(latest.result.talentAvailability.level).toBe('moderate');
		expect(latest.result.competingEmployers[0]).toMatchObject({ name: 'Zalando', note: 'Large Go teams' });
		expect(latest.result.typicalSkills.map((s: { skill: string }) => s.skill)).toEqual(['Go', 'gRPC']);
		expect(latest.result.sampleSize).toBeNull();

		// An invalid answer (twice: retried once) falls back to the heuristic, and says so.
		fake.script.push({ text: 'not json' }, { text: '{"availability": "huge"}' });
		const second = await geminiOrg.recruiter.api.post('/ai/market-research', { requirement_id: geminiRequirementId });
		expect((await waitForJob(geminiOrg.recruiter, second.body.data.job_id)).job.status).toBe('completed');
		const newest = (await geminiOrg.recruiter.api.get(`/requirements/${geminiRequirementId}/market-research`)).body.data
			.items[0];
		expect(newest.source).toBe('heuristic');
		expect(newest.result.fallbackReason).toBeTruthy();
	});

	it('refuses users who may not use AI, strangers and bad input, with field details', async () => {
		for (const who of [org.viewer, org.interviewer, org.approver]) {
			const res = await who.api.post('/ai/market-research', { requirement_id: requirementId });
			expect(res.status, JSON.stringify(res.body)).toBe(403);
		}
		const anonymous = apiClient(heuristicApp.url);
		expect((await anonymous.post('/ai/market-research', { requirement_id: requirementId })).status).toBe(401);
		expect((await anonymous.get(`/requirements/${requirementId}/market-research`)).status).toBe(401);

		const bad = await org.recruiter.api.post('/ai/market-research', { requirement_id: 'nope' });
		expect(bad.status).toBe(422);
		expect(bad.body.error.details).toEqual(
			expect.arrayContaining([expect.objectContaining({ field: 'requirement_id' })])
		);
		const missing = await org.recruiter.api.post('/ai/market-research', {});
		expect(missing.status).toBe(422);
		expect(missing.body.error.details[0].field).toBe('requirement_id');
		const unknown = await org.recruiter.api.post('/ai/market-research', {
			requirement_id: '00000000-0000-4000-8000-000000000000'
		});
		expect(unknown.status).toBe(404);
		const badPage = await org.recruiter.api.get(`/requirements/${requirementId}/market-research?page_size=500`);
		expect(badPage.status).toBe(422);
		expect(badPage.body.error.details[0].field).toBe('page_size');
	});
});
