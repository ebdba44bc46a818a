import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiClient, startProcess, waitFor, type RunningProcess } from '../helpers/app';
import { BACKEND_ROLE, CVS, cvDocx } from '../helpers/cvs';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { TEST_DATABASE_URL, TEST_REDIS_URL } from '../helpers/env';
import { cvOfPrompt, screeningAnswer, startFakeGemini, type FakeGemini } from '../helpers/gemini';
import {
	addApplication,
	client,
	createCandidate,
	createOrg,
	openRequirement,
	postForm,
	sql,
	type Org,
	type RunningApp
} from '../helpers/hiring';
import { PASSWORD } from '../helpers/org';
import { uniqueRedisPrefix } from '../helpers/runtime';

/**
 * Distributed mode (web + worker processes, Postgres, BullMQ on Redis): a worker killed with
 * SIGKILL in the middle of a bulk screening. Another worker picks up the interrupted jobs
 * (BullMQ's stalled-job check); the batch finishes with exactly one run per application — the
 * runs stored before the kill are neither repeated nor doubled.
 */
describe.runIf(TEST_REDIS_URL && TEST_DATABASE_URL)('bulk screening survives a killed worker', () => {
	let database: TestDatabase;
	let fake: FakeGemini;
	let web: RunningProcess;
	let worker: RunningProcess | undefined;
	let env: Record<string, string>;
	/** One data folder for web and worker (uploaded CVs are read by the worker). */
	const dataDir = mkdtempSync(path.join(tmpdir(), 'hh-ai-resume-'));
	let org: Org;
	/** While true, Gemini answers the first three screenings and leaves the others hanging. */
	let holding = true;

	beforeAll(async () => {
		database = await createTestDatabase('postgres');
		fake = await startFakeGemini();
		let answered = 0;
		fake.fallback = (request) => {
			if (holding && answered >= 3) return { hang: true };
			answered += 1;
			return { json: screeningAnswer(request.prompt, 60 + answered) };
		};
		env = {
			DATABASE_URL: database.url as string,
			REDIS_URL: TEST_REDIS_URL,
			REDIS_PREFIX: uniqueRedisPrefix(),
			RATE_LIMIT_PER_MINUTE: '0',
			GEMINI_API_KEY: 'fake-key-for-resume',
			GEMINI_BASE_URL: fake.url,
			GEMINI_RETRY_BASE_MS: '50',
			GEMINI_TIMEOUT_MS: '120000'
		};
		worker = await startProcess({ role: 'worker', env, dataDir });
		web = await startProcess({ role: 'web', env, dataDir });
		const register = await apiClient(web.url).post('/auth/register', {
			email: 'admin@example.com',
			name: 'Ada Admin',
			password: PASSWORD
		});
		expect(register.status).toBe(201);
		const token: string = register.body.data.token;
		const running = {
			url: web.url,
			admin: {
				api: client(web.url, token),
				id: register.body.data.user.id,
				email: 'admin@example.com',
				name: 'Ada Admin',
				token
			}
		} as unknown as RunningApp;
		org = await createOrg(running);
	});

	afterAll(async () => {
		await web?.stop();
		await worker?.stop();
		await fake?.close();
		await database?.close();
	});

	it('resumes after the kill and finishes with no run doubled', { timeout: 300_000 }, async () => {
		const requirement = await openRequirement(org, BACKEND_ROLE.title, {
			must_have_skills: BACKEND_ROLE.mustHave,
			nice_to_have_skills: BACKEND_ROLE.niceToHave
		});
		const applications: string[] = [];
		for (const cv of CVS) {
			const candidate = await createCandidate(org.recruiter, {
				name: cv.name,
				emails: [cv.email],
				current_title: cv.currentTitle
			});
			const upload = await postForm(web.url, org.recruiter.token, `/candidates/${candidate.id}/resume`, {
				bytes: cvDocx(cv.text),
				name: `${cv.key}.docx`,
				type: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document'
			});
			expect(upload.status, JSON.stringify(upload.body)).toBe(201);
			await waitFor(
				async () => (await org.recruiter.api.get(`/candidates/${candidate.id}`)).body.data?.has_cv_text === true,
				{ timeoutMs: 60_000, message: `the CV text of ${cv.name}` }
			);
			applications.push((await addApplication(org.recruiter, requirement.id, candidate.id, 'applied')).id);
		}

		const res = await org.recruiter.api.post('/ai/screen', { requirement_id: requirement.id, stage: 'applied' });
		expect(res.status, JSON.stringify(res.body)).toBe(202);
		const batchId: string = res.body.data.batch_id;
		expect(res.body.data.total).toBe(CVS.length);
		const batch = async () => (await org.recruiter.api.get(`/ai/screen/batches/${batchId}`)).body.data;

		// Half of the column is screened, the other half is in the worker's hands, waiting on Gemini.
		await waitFor(async () => fake.requests.length >= CVS.length && (await batch()).finished >= 3, {
			timeoutMs: 60_000,
			message: 'three runs stored and three screenings waiting on Gemini'
		});
		const before = await batch();
		expect(before.finished).toBe(3);
		expect(before.by_status.running).toBe(3);
		const storedBefore = before.runs.map((r: { application_id: string }) => r.application_id);

		await worker!.kill();
		holding = false;
		worker = await startProcess({ role: 'worker', env, dataDir });

		const after = await waitFor(async () => ((await batch()).finished === CVS.length ? batch() : null), {
			timeoutMs: 240_000,
			intervalMs: 500,
			message: 'the batch to finish on the second worker'
		});
		expect(after.by_status).toMatchObject({ completed: CVS.length, failed: 0 });
		expect(after.progress).toBe(100);
		expect(after.runs).toHaveLength(CVS.length);
		expect(after.runs.every((r: { source: string }) => r.source === 'gemini')).toBe(true);
		expect(new Set(after.runs.map((r: { application_id: string }) => r.application_id))).toEqual(new Set(applications));

		// Exactly one run per application and per job, in the database too.
		const rows = await sql<{ application_id: string; job_id: string }>(
			database,
			'select application_id, job_id from screening_runs where requirement_id = $1',
			[requirement.id]
		);
		expect(rows).toHaveLength(CVS.length);
		expect(new Set(rows!.map((r) => r.application_id)).size).toBe(CVS.length);
		expect(new Set(rows!.map((r) => r.job_id)).size).toBe(CVS.length);
		// The three finished before the kill were not screened again; the three interrupted ran twice
		// (their second attempt), each CV reaching Gemini at most twice.
		const jobs = await sql<{ id: string; attempts: number }>(
			database,
			'select id, attempts from jobs where dedupe_key like $1',
			[`screen:${batchId}:%`]
		);
		expect(jobs!.map((j) => j.attempts).sort()).toEqual([1, 1, 1, 2, 2, 2]);
		const callsPerCv = new Map<string, number>();
		for (const r of fake.requests) {
			const cv = CVS.find((c) => cvOfPrompt(r.prompt).toLowerCase().startsWith(c.name.toLowerCase()));
			expect(cv, 'every Gemini call carried one of the CVs').toBeTruthy();
			callsPerCv.set(cv!.key, (callsPerCv.get(cv!.key) ?? 0) + 1);
		}
		const storedKeys = CVS.filter((_, i) => storedBefore.includes(applications[i])).map((c) => c.key);
		for (const key of storedKeys) expect(callsPerCv.get(key), key).toBe(1);
		expect([...callsPerCv.values()].reduce((a, b) => a + b, 0)).toBe(CVS.length + 3);
	});
});
