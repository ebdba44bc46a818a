import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../helpers/app';
import { BACKEND_ROLE, cvByKey, cvDocx, type CvFixture } from '../helpers/cvs';
import { BACKENDS } from '../helpers/env';
import { cvOfPrompt, screeningAnswer, startFakeGemini, type FakeGemini } from '../helpers/gemini';
import {
	addApplication,
	createCandidate,
	createOrg,
	openRequirement,
	postForm,
	sql,
	startApp,
	waitForJob,
	type Member,
	type Org,
	type RunningApp
} from '../helpers/hiring';

/**
 * CV screening through the API of the built app (issue 7): POST /ai/screen → 202 {job_id} → a
 * screening_runs row; Gemini (a local fake speaking its REST API) with quoted evidence checked
 * against the CV, the heuristic when Gemini fails (invalid answers, timeout, a refused call),
 * ranking of real-looking CVs, bulk screening of a column with progress, AI consent.
 */

const squash = (s: string) => s.toLowerCase().replace(/\s+/g, ' ').trim();

describe.each(BACKENDS)('CV screening on %s', (backend) => {
	let fake: FakeGemini;
	let running: RunningApp;
	let org: Org;
	let requirementId: string;

	beforeAll(async () => {
		fake = await startFakeGemini();
		running = await startApp(backend, {
			GEMINI_API_KEY: 'fake-key-for-screening',
			GEMINI_BASE_URL: fake.url,
			GEMINI_MODEL: 'gemini-2.5-flash',
			GEMINI_RETRY_BASE_MS: '50',
			GEMINI_TIMEOUT_MS: '1500'
		});
		org = await createOrg(running);
		const requirement = await openRequirement(org, BACKEND_ROLE.title, {
			must_have_skills: BACKEND_ROLE.mustHave,
			nice_to_have_skills: BACKEND_ROLE.niceToHave
		});
		requirementId = requirement.id;
	});

	afterAll(async () => {
		await running?.close();
		await fake?.close();
	});

	afterEach(() => {
		fake.requests.length = 0;
		fake.script.length = 0;
	});

	let seq = 0;
	/** A candidate with the CV uploaded (a Word file) and its text read; their application. */
	async function applicant(cv: CvFixture, stage: string, extra: Record<string, unknown> = {}) {
		const candidate = await createCandidate(org.recruiter, {
			name: cv.name,
			emails: [`${stage}${++seq}.${cv.email}`],
			current_title: cv.currentTitle,
			...extra
		});
		const upload = await postForm(running.url, org.recruiter.token, `/candidates/${candidate.id}/resume`, {
			bytes: cvDocx(cv.text),
			name: `${cv.key}.docx`,
			type: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document'
		});
		expect(upload.status, JSON.stringify(upload.body)).toBe(201);
		await waitFor(
			async () => (await org.recruiter.api.get(`/candidates/${candidate.id}`)).body.data?.has_cv_text === true,
			{ timeoutMs: 30_000, message: `the CV text of ${cv.name}` }
		);
		const application = await addApplication(org.recruiter, requirementId, candidate.id, stage);
		return { candidate, application };
	}

	async function screenOne(who: Member, applicationId: string) {
		const res = await who.api.post('/ai/screen', { application_id: applicationId });
		expect(res.status, JSON.stringify(res.body)).toBe(202);
		expect(res.body.data.job_id).toMatch(/^[0-9a-f-]{36}$/);
		const { job } = await waitForJob(who, res.body.data.job_id);
		expect(job.status, JSON.stringify(job)).toBe('completed');
		const run = await who.api.get(`/ai/screen/runs/${job.result.run_id}`);
		expect(run.status).toBe(200);
		return { job, run: run.body.data };
	}

	function expectResultShape(run: Record<string, any>, cvText: string) {
		expect(run.score).toBeGreaterThanOrEqual(0);
		expect(run.score).toBeLessThanOrEqual(100);
		expect(['advance', 'hold', 'reject']).toContain(run.decision);
		const result = run.result;
		expect(result.score).toBe(run.score);
		expect(typeof result.summary).toBe('string');
		for (const key of ['strengths', 'gaps', 'red_flags']) expect(Array.isArray(result[key]), key).toBe(true);
		expect(result.requirements.length).toBeGreaterThan(0);
		for (const r of result.requirements) {
			expect(['yes', 'partial', 'no']).toContain(r.met);
			// Evidence is a quotation from the CV (or several, joined by " / "), or nothing.
			if (r.evidence !== null) {
				for (const part of (r.evidence as string).split(' / ')) {
					const quote = squash(part.replace(/^…|…$/g, ''));
					expect(squash(cvText).includes(quote), `"${part}" is in the CV`).toBe(true);
				}
			}
		}
	}

	it('screens with Gemini: 202 {job_id}, a stored run with quoted evidence, tokens, and no card moved', async () => {
		const cv = cvByKey('backend-strong');
		const { application } = await applicant(cv, 'applied');
		fake.fallback = (request) => ({ json: screeningAnswer(request.prompt, 86) });
		const { job, run } = await screenOne(org.recruiter, application.id);

		expect(fake.requests).toHaveLength(1);
		expect(fake.requests[0].model).toBe('gemini-2.5-flash');
		expect(cvOfPrompt(fake.requests[0].prompt)).toContain('Senior Software Engineer, Paylane GmbH');
		expect(fake.requests[0].prompt).toContain('Must-have skills: Go, PostgreSQL, Kubernetes, REST');
		expect(job.result).toMatchObject({ source: 'gemini', score: 86, decision: 'advance', model: 'gemini-2.5-flash' });
		expect(job.result.usage).toMatchObject({ calls: 1, prompt_tokens: 420 });

		expect(run).toMatchObject({ application_id: application.id, source: 'gemini', score: 86, tokens_in: 420 });
		expect(run.result.source).toBe('gemini');
		expectResultShape(run, cv.text);
		// The invented quotation was dropped and its requirement is no longer "met".
		const kube = run.result.requirements.find((r: { requirement: string }) => r.requirement === 'Kubernetes');
		expect(kube).toMatchObject({ evidence: null, met: 'partial' });
		const go = run.result.requirements.find((r: { requirement: string }) => r.requirement === 'Go');
		expect(go.evidence).toBeTruthy();

		// Advisory only: the card stays where it was.
		const after = await org.recruiter.api.get(`/applications/${application.id}`);
		expect(after.body.data.stage).toBe('applied');
		// Every run is kept: screening again adds a second run.
		await screenOne(org.recruiter, application.id);
		const runs = await org.recruiter.api.get(`/ai/screen?application_id=${application.id}`);
		expect(runs.body.data.items).toHaveLength(2);
		const rows = await sql<{ n: string }>(
			running.database,
			'select count(*)::text as n from screening_runs where application_id = $1',
			[application.id]
		);
		if (rows) expect(rows[0].n).toBe('2');
	});

	it('an invalid JSON answer is asked for once more, then the heuristic answers (source "heuristic")', async () => {
		const cv = cvByKey('backend-partial');
		const { application } = await applicant(cv, 'screening');
		fake.fallback = () => ({ text: '{"score": 80, "decision": "advance", "summary": ' });
		const { job, run } = await screenOne(org.recruiter, application.id);
		expect(fake.requests).toHaveLength(2);
		expect(job.result.source).toBe('heuristic');
		expect(job.result.fallback_reason).toMatch(/no valid answer twice/);
		expect(run).toMatchObject({ source: 'heuristic', model: null });
		expect(run.result.source).toBe('heuristic');
		expectResultShape(run, cv.text);
	});

	it('a 429 is retried and the answer used; a timeout falls back to the heuristic', async () => {
		const cv = cvByKey('backend-strong');
		const { application } = await applicant(cv, 'interview');
		fake.script.push({ status: 429 });
		fake.fallback = (request) => ({ json: screeningAnswer(request.prompt, 77) });
		const first = await screenOne(org.recruiter, application.id);
		expect(fake.requests).toHaveLength(2);
		expect(first.run).toMatchObject({ source: 'gemini', score: 77 });

		fake.requests.length = 0;
		fake.fallback = () => ({ hang: true });
		const second = await screenOne(org.recruiter, application.id);
		expect(fake.requests).toHaveLength(1);
		expect(second.run.source).toBe('heuristic');
		expect(second.job.result.fallback_reason).toMatch(/in time/);
		expectResultShape(second.run, cv.text);
	});

	it('the heuristic ranks the matching CV above the half-matching and the non-matching one (bulk, with progress)', async () => {
		// Gemini refuses (400): every card of the column is screened by the heuristic.
		fake.fallback = () => ({ status: 400 });
		const stage = 'sourced';
		const people: Array<{ key: string } & Awaited<ReturnType<typeof applicant>>> = [];
		for (const key of ['backend-none', 'backend-strong', 'backend-partial', 'sales-strong']) {
			people.push({ key, ...(await applicant(cvByKey(key), stage)) });
		}
		const excluded = await applicant(cvByKey('backend-strong'), stage, { ai_excluded: true });
		const noCv = await createCandidate(org.recruiter, { name: 'Nora Nocv', emails: [`nora${++seq}@example.com`] });
		await addApplication(org.recruiter, requirementId, noCv.id, stage);

		const res = await org.recruiter.api.post('/ai/screen', { requirement_id: requirementId, stage });
		expect(res.status, JSON.stringify(res.body)).toBe(202);
		const { batch_id: batchId, job_ids: jobIds, total, skipped } = res.body.data;
		expect(total).toBe(4);
		expect(jobIds).toHaveLength(4);
		expect(skipped.map((s: { reason: string; name: string }) => [s.name, s.reason]).sort()).toEqual([
			['Jana Kowalski', 'ai_excluded'],
			['Nora Nocv', 'no_cv_text']
		]);
		expect(skipped.find((s: { reason: string }) => s.reason === 'ai_excluded').application_id).toBe(
			excluded.application.id
		);

		const progress: number[] = [];
		const batch = await waitFor(
			async () => {
				const b = await org.recruiter.api.get(`/ai/screen/batches/${batchId}`);
				expect(b.status, JSON.stringify(b.body)).toBe(200);
				if (progress[progress.length - 1] !== b.body.data.progress) progress.push(b.body.data.progress);
				return b.body.data.finished === 4 ? b.body.data : null;
			},
			{ timeoutMs: 60_000, intervalMs: 20, message: 'the bulk screening to finish' }
		);
		expect(progress[progress.length - 1]).toBe(100);
		expect([...progress].sort((a, b) => a - b)).toEqual(progress);
		expect(batch.by_status).toMatchObject({ completed: 4, failed: 0 });
		expect(batch.runs).toHaveLength(4);
		expect(batch.runs.every((r: { source: string }) => r.source === 'heuristic')).toBe(true);

		const scoreOf = (key: string) =>
			batch.runs.find(
				(r: { application_id: string }) => r.application_id === people.find((p) => p.key === key)!.application.id
			).score as number;
		expect(scoreOf('backend-strong')).toBeGreaterThan(scoreOf('backend-partial'));
		expect(scoreOf('backend-partial')).toBeGreaterThan(scoreOf('backend-none'));
		expect(scoreOf('backend-strong')).toBeGreaterThan(scoreOf('sales-strong'));
		const strongRun = await org.recruiter.api.get(`/ai/screen/runs/${batch.runs[0].run_id}`);
		expect(strongRun.body.data.application_id).toBe(people.find((p) => p.key === 'backend-strong')!.application.id);
		expect(strongRun.body.data.decision).toBe('advance');
		expectResultShape(strongRun.body.data, cvByKey('backend-strong').text);
		const noneRun = batch.runs.find(
			(r: { application_id: string }) =>
				r.application_id === people.find((p) => p.key === 'backend-none')!.application.id
		);
		expect(noneRun.decision).toBe('reject');

		// The board shows the latest run per card, best first; the excluded candidate has none.
		const board = await org.recruiter.api.get(`/ai/screen?requirement_id=${requirementId}`);
		expect(board.status).toBe(200);
		const boardApps = board.body.data.items.map((r: { application_id: string }) => r.application_id);
		expect(boardApps).not.toContain(excluded.application.id);
		// Nothing moved.
		const column = await org.recruiter.api.get(`/requirements/${requirementId}/applications`);
		const stages = column.body.data.items
			.filter((a: { id: string }) => people.some((p) => p.application.id === a.id))
			.map((a: { stage: string }) => a.stage);
		expect(stages).toEqual(Array(4).fill(stage));
	});

	it('a candidate excluded from AI processing is refused with a clear 409 and never sent to Gemini', async () => {
		fake.fallback = (request) => ({ json: screeningAnswer(request.prompt) });
		const { application, candidate } = await applicant(cvByKey('sales-partial'), 'applied', { ai_excluded: true });
		const res = await org.recruiter.api.post('/ai/screen', { application_id: application.id });
		expect(res.status).toBe(409);
		expect(res.body.error.code).toBe('AI_EXCLUDED');
		expect(res.body.error.message).toMatch(/asked not to be processed by AI/);
		// Nothing of their CV reached Gemini, and no run exists.
		expect(fake.requests).toHaveLength(0);
		const runs = await org.recruiter.api.get(`/ai/screen?application_id=${application.id}`);
		expect(runs.body.data.items).toHaveLength(0);
		const profile = await org.recruiter.api.get(`/candidates/${candidate.id}`);
		expect(profile.body.data.ai_excluded).toBe(true);
	});

	it('only roles that may use AI screen; bad input is a 422, an unknown application a 404', async () => {
		const { application } = await applicant(cvByKey('sales-strong'), 'applied');
		for (const who of [org.viewer, org.interviewer, org.approver]) {
			const res = await who.api.post('/ai/screen', { application_id: application.id });
			expect(res.status).toBe(403);
		}
		expect((await org.recruiter.api.post('/ai/screen', {})).status).toBe(422);
		expect((await org.recruiter.api.post('/ai/screen', { application_id: 'nope' })).status).toBe(422);
		const missing = await org.recruiter.api.post('/ai/screen', {
			application_id: '00000000-0000-4000-8000-000000000000'
		});
		expect(missing.status).toBe(404);
		const unauthenticated = await fetch(`${running.url}/api/v1/ai/screen`, {
			method: 'POST',
			headers: { 'content-type': 'application/json' },
			body: JSON.stringify({ application_id: application.id })
		});
		expect(unauthenticated.status).toBe(401);
	});

	it('salary benchmark over HTTP: the level band as the heuristic, cached per key, AI users only', async () => {
		fake.fallback = () => ({ status: 400 });
		const level = await org.admin.api.post('/job-levels', {
			name: 'Staff',
			rank: 5,
			salary_min: 100_000,
			salary_max: 120_000,
			currency: 'EUR'
		});
		expect(level.status, JSON.stringify(level.body)).toBe(201);
		const ask = { title: 'Staff Data Engineer', level: 'Staff', location: 'Remote', currency: 'EUR' };
		const first = await org.recruiter.api.post('/ai/salary-benchmark', ask);
		expect(first.status, JSON.stringify(first.body)).toBe(200);
		expect(first.body.data.benchmark).toMatchObject({
			source: 'heuristic',
			p25: 105_000,
			p50: 110_000,
			p75: 115_000,
			sample_size: 0,
			confidence: 'low',
			cached: false
		});
		const second = await org.manager.api.post('/ai/salary-benchmark', ask);
		expect(second.body.data.benchmark).toMatchObject({ id: first.body.data.benchmark.id, cached: true });
		const none = await org.recruiter.api.post('/ai/salary-benchmark', { title: 'Florist', currency: 'JPY' });
		expect(none.status).toBe(422);
		expect(none.body.error.message).toMatch(/no salary data/);
		expect((await org.viewer.api.post('/ai/salary-benchmark', ask)).status).toBe(403);
		expect((await org.recruiter.api.post('/ai/salary-benchmark', { title: 'x' })).status).toBe(422);
	});
});
