import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiClient, startProcess, type RunningProcess } from '../helpers/app';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { BACKENDS, TEST_DATABASE_URL, TEST_REDIS_URL } from '../helpers/env';
import {
	createCandidate,
	client,
	createOrg,
	getRaw,
	openRequirement,
	sql,
	startApp,
	waitForJob,
	type Member,
	type Org,
	type RunningApp
} from '../helpers/hiring';
import { eventually, PASSWORD as TEST_PASSWORD } from '../helpers/org';
import { uniqueRedisPrefix } from '../helpers/runtime';
import { siteCandidates, startSmartRecruitersSite, type SmartRecruitersSite } from '../helpers/smartrecruiters-site';

/**
 * SmartRecruiters import (issue 7, part 8) with real playwright-core and Chromium against a local
 * site that imitates SmartRecruiters: sign-in, a job's candidate list over several pages,
 * profiles, CV downloads (real PDF and DOCX) and a CAPTCHA page on demand. Duplicates are
 * reported, not created; a refused sign-in or a CAPTCHA pauses the run with a message; a resume
 * continues where it stopped with nothing doubled; the password is nowhere in clear.
 */

const PASSWORD = 'Sr-Pa55word-that-must-never-leak!';

interface RunView {
	id: string;
	job_id: string;
	status: string;
	pause_reason: string | null;
	processed: number;
	imported: number;
	duplicates: number;
	progress: number;
}

function filesUnder(dir: string): string[] {
	return readdirSync(dir).flatMap((name) => {
		const full = path.join(dir, name);
		return statSync(full).isDirectory() ? filesUnder(full) : [full];
	});
}

describe.each(BACKENDS)('SmartRecruiters import on %s', (backend) => {
	let site: SmartRecruitersSite;
	let running: RunningApp;
	let org: Org;
	let requirementId: string;
	const answers: string[] = [];

	const people = siteCandidates(6);
	beforeAll(async () => {
		site = await startSmartRecruitersSite({
			username: 'recruiting@acme.example',
			password: PASSWORD,
			jobs: {
				'job-happy': people.slice(0, 4),
				// The two remaining fixtures and five more people (their CVs reuse the fixtures' texts).
				'job-second': people.slice(4).concat(
					siteCandidates(5, 'extra').map((c, i) => ({
						...c,
						name: `Extra Person ${i + 1}`,
						email: `extra.person.${i + 1}@example.net`,
						phone: null
					}))
				),
				'job-login': people.slice(0, 1)
			}
		});
		running = await startApp(backend, { SMARTRECRUITERS_DELAY_MS: '20', LOG_LEVEL: 'debug' });
		org = await createOrg(running);
		requirementId = (await openRequirement(org, 'Senior Backend Engineer')).id;
	}, 240_000);

	afterAll(async () => {
		await running?.close();
		await site?.close();
	});

	const call = async (who: Member, method: 'get' | 'post' | 'put', p: string, body?: unknown) => {
		const res =
			method === 'get'
				? await who.api.get(p)
				: method === 'put'
					? await who.api.put(p, body)
					: await who.api.post(p, body);
		answers.push(JSON.stringify(res.body));
		return res;
	};

	/** Starts an import and waits for its job; returns the run. */
	async function importJob(externalJobId: string): Promise<RunView> {
		const started = await call(org.recruiter, 'post', '/sourcing/smartrecruiters', {
			requirement_id: requirementId,
			external_job_id: externalJobId
		});
		expect(started.status, JSON.stringify(started.body)).toBe(202);
		return finish(started.body.data as RunView);
	}

	async function finish(run: RunView): Promise<RunView> {
		const { job } = await waitForJob(org.recruiter, run.job_id, 120_000);
		expect(job.status, JSON.stringify(job)).toBe('completed');
		const res = await call(org.recruiter, 'get', `/sourcing/smartrecruiters/${run.id}`);
		expect(res.status).toBe(200);
		return res.body.data as RunView;
	}

	async function resume(run: RunView): Promise<RunView> {
		const res = await call(org.recruiter, 'post', `/sourcing/smartrecruiters/${run.id}/resume`, {});
		expect(res.status, JSON.stringify(res.body)).toBe(202);
		expect(res.body.data.status).toBe('running');
		return finish(res.body.data as RunView);
	}

	async function sourcedCandidates() {
		const res = await call(org.recruiter, 'get', '/candidates?source=sourcing&page_size=100');
		expect(res.status).toBe(200);
		return res.body.data.items as Array<{ id: string; name: string; emails: string[]; current_title: string }>;
	}

	it('refuses without credentials, and to anyone but recruiters and admins', async () => {
		const res = await call(org.recruiter, 'post', '/sourcing/smartrecruiters', { external_job_id: 'job-happy' });
		expect(res.status).toBe(409);
		expect(res.body.error.code).toBe('NOT_CONFIGURED');
		for (const who of [org.manager, org.viewer, org.interviewer]) {
			expect((await call(who, 'post', '/sourcing/smartrecruiters', { external_job_id: 'job-happy' })).status).toBe(403);
			expect((await call(who, 'get', '/sourcing/smartrecruiters')).status).toBe(403);
		}
		const bad = await call(org.recruiter, 'post', '/sourcing/smartrecruiters', { external_job_id: 'no spaces/here' });
		expect(bad.status).toBe(422);
		expect(bad.body.error.details[0].field).toBe('external_job_id');
	});

	it('a refused sign-in pauses the run with a clear message; fixed credentials and Resume finish it', async () => {
		const saved = await call(org.admin, 'put', '/settings/integrations/smartrecruiters', {
			base_url: site.url,
			username: site.username,
			password: 'not-the-password'
		});
		expect(saved.status, JSON.stringify(saved.body)).toBe(200);
		const tested = await call(org.admin, 'post', '/settings/integrations/smartrecruiters/test');
		expect(tested.status).toBe(200);
		expect(tested.body.data).toMatchObject({ integration: 'smartrecruiters', ok: false });
		expect(tested.body.data.message).toMatch(/refused the sign-in/);
		const run = await importJob('job-login');
		expect(run.status).toBe('paused');
		expect(run.pause_reason).toMatch(
			/refused the sign-in for recruiting@acme\.example \("Incorrect email or password\."\)/
		);
		expect(run.imported).toBe(0);
		expect(site.logins).toEqual([
			{ username: site.username, ok: false },
			{ username: site.username, ok: false }
		]);

		// Resume refused while it is not paused… and allowed once the admin fixed the password.
		const fixed = await call(org.admin, 'put', '/settings/integrations/smartrecruiters', { password: PASSWORD });
		expect(fixed.status).toBe(200);
		const works = await call(org.admin, 'post', '/settings/integrations/smartrecruiters/test');
		expect(works.body.data).toMatchObject({ ok: true, message: `Signed in to SmartRecruiters as ${site.username}` });
		const done = await resume(run);
		expect(done).toMatchObject({ status: 'completed', imported: 1, duplicates: 0, pause_reason: null });
		const again = await call(org.recruiter, 'post', `/sourcing/smartrecruiters/${run.id}/resume`, {});
		expect(again.status).toBe(409);
	});

	it('imports a job (list over pages, profiles, CVs): duplicates are reported, not created', async () => {
		// people[0] came in by the previous test; people[2] already exists by e-mail.
		await createCandidate(org.recruiter, { name: 'Somebody Else Spelled', emails: [people[2].email.toUpperCase()] });
		const run = await importJob('job-happy');
		expect(run).toMatchObject({ status: 'completed', processed: 4, imported: 2, duplicates: 2, progress: 100 });

		const sourced = await sourcedCandidates();
		const names = sourced.map((c) => c.name).sort();
		expect(names).toEqual([people[0].name, people[1].name, people[3].name].sort());
		const one = sourced.find((c) => c.name === people[1].name)!;
		expect(one).toMatchObject({ emails: [people[1].email], current_title: people[1].title });

		// Each imported candidate has its CV (the very file), and its text is read (PDF and DOCX alike).
		for (const person of [people[1], people[3]]) {
			const id = sourced.find((c) => c.name === person.name)!.id;
			const docs = await eventually(async () => {
				const res = await call(org.recruiter, 'get', `/candidates/${id}/documents`);
				const items = res.body.data.items as Array<{
					id: string;
					kind: string;
					file_name: string;
					extraction: string;
					has_text: boolean;
				}>;
				return items[0]?.extraction === 'done' ? items : null;
			}, 60_000);
			expect(docs[0]).toMatchObject({ kind: 'cv', file_name: person.cv!.fileName, has_text: true });
			const file = await getRaw(running.url, org.recruiter.token, `/candidates/${id}/documents/${docs[0].id}`);
			expect(Buffer.from(file.bytes).equals(Buffer.from(person.cv!.bytes))).toBe(true);
			const candidate = await call(org.recruiter, 'get', `/candidates/${id}`);
			expect(candidate.body.data.has_cv_text).toBe(true);
		}
		const board = await call(org.recruiter, 'get', `/requirements/${requirementId}/applications`);
		expect(board.body.data.items).toHaveLength(3);

		// The duplicates are listed as sourcing results pointing at the existing candidates.
		const results = await call(
			org.recruiter,
			'get',
			`/sourcing/results?requirement_id=${requirementId}&origin=smartrecruiters`
		);
		const dups = (
			results.body.data.items as Array<{ status: string; name: string; existing_candidate_id: string }>
		).filter((r) => r.status === 'duplicate');
		expect(dups.map((d) => d.name).sort()).toEqual([people[0].name, people[2].name].sort());
		expect(dups.every((d) => d.existing_candidate_id)).toBe(true);
	});

	it('a CAPTCHA pauses the run; Resume while it shows pauses again; once cleared it finishes with nothing doubled', async () => {
		site.profileViews.clear();
		site.cvDownloads.clear();
		expect(site.jobs['job-second']).toHaveLength(7);
		site.triggerCaptcha(3);
		const run = await importJob('job-second');
		expect(run.status).toBe('paused');
		expect(run.pause_reason).toMatch(/CAPTCHA/);
		expect(run.pause_reason).toMatch(/press Resume/);
		expect(run).toMatchObject({ processed: 3, imported: 3 });

		const stillPaused = await resume(run);
		expect(stillPaused).toMatchObject({ status: 'paused', processed: 3 });
		expect(stillPaused.pause_reason).toMatch(/CAPTCHA/);

		site.clearCaptcha();
		const done = await resume(run);
		expect(done).toMatchObject({ status: 'completed', processed: 7, imported: 7, duplicates: 0, pause_reason: null });
		// No profile was opened twice, no CV downloaded twice, nobody created twice.
		expect([...site.profileViews.values()].every((n) => n === 1)).toBe(true);
		expect(site.profileViews.size).toBe(7);
		expect([...site.cvDownloads.values()].every((n) => n === 1)).toBe(true);
		const sourced = await sourcedCandidates();
		expect(sourced).toHaveLength(10);
		expect(new Set(sourced.map((c) => c.name)).size).toBe(10);
		const board = await call(org.recruiter, 'get', `/requirements/${requirementId}/applications`);
		expect(board.body.data.items).toHaveLength(10);
	});

	it('the password is in no API answer, no log line and nowhere in the database', async () => {
		const view = await call(org.admin, 'get', '/settings/integrations/smartrecruiters');
		expect(view.body.data.secrets.password).toMatchObject({ set: true, masked: '••••••••' });
		expect(answers.length).toBeGreaterThan(20);
		for (const text of answers) expect(text.includes(PASSWORD), text.slice(0, 200)).toBe(false);
		const logs = running.app.logs.join('\n');
		expect(logs).toContain('SmartRecruiters candidate processed');
		expect(logs).toContain('SmartRecruiters import paused');
		expect(logs.includes(PASSWORD), 'a log line holds the password').toBe(false);
		if (backend === 'postgres') {
			const tables = await sql<{ tablename: string }>(
				running.database,
				"select tablename from pg_tables where schemaname = 'public'"
			);
			let seen = 0;
			for (const { tablename } of tables!) {
				const rows = await sql<{ row: string }>(running.database, `select t::text as row from "${tablename}" t`);
				for (const { row } of rows!) {
					seen++;
					expect(row.includes(PASSWORD), `${tablename}: ${row.slice(0, 120)}`).toBe(false);
				}
			}
			expect(seen).toBeGreaterThan(50);
		} else {
			await running.app.stop();
			const files = filesUnder(running.app.dataDir);
			for (const file of files) {
				expect(readFileSync(file).includes(Buffer.from(PASSWORD)), `${file} holds the password`).toBe(false);
			}
			// The user name (not secret) is found there: the search does look in the data.
			expect(files.some((f) => readFileSync(f).includes(Buffer.from('recruiting@acme.example')))).toBe(true);
		}
	});
});

describe.runIf(TEST_REDIS_URL && TEST_DATABASE_URL)('SmartRecruiters import on the BullMQ worker', () => {
	let database: TestDatabase;
	let site: SmartRecruitersSite;
	let web: RunningProcess;
	let worker: RunningProcess;
	let org: Org;
	const dataDir = mkdtempSync(path.join(tmpdir(), 'hh-sr-bull-'));

	beforeAll(async () => {
		database = await createTestDatabase('postgres');
		site = await startSmartRecruitersSite({
			username: 'bull@acme.example',
			password: PASSWORD,
			jobs: { 'bull-job': siteCandidates(6, 'bull') }
		});
		const env = {
			DATABASE_URL: database.url as string,
			REDIS_URL: TEST_REDIS_URL,
			REDIS_PREFIX: uniqueRedisPrefix(),
			RATE_LIMIT_PER_MINUTE: '0',
			SMARTRECRUITERS_DELAY_MS: '20'
		};
		worker = await startProcess({ role: 'worker', env, dataDir });
		web = await startProcess({ role: 'web', env, dataDir });
		const register = await apiClient(web.url).post('/auth/register', {
			email: 'admin@example.com',
			name: 'Ada Admin',
			password: TEST_PASSWORD
		});
		expect(register.status).toBe(201);
		const token: string = register.body.data.token;
		org = await createOrg({
			url: web.url,
			admin: { api: client(web.url, token), id: register.body.data.user.id, email: 'admin@example.com', token }
		} as unknown as RunningApp);
	}, 240_000);

	afterAll(async () => {
		await web?.stop();
		await worker?.stop();
		await site?.close();
		await database?.close();
	});

	it('the worker process imports, pauses on a CAPTCHA and resumes with nothing doubled', async () => {
		const saved = await org.admin.api.put('/settings/integrations/smartrecruiters', {
			base_url: site.url,
			username: site.username,
			password: PASSWORD
		});
		expect(saved.status).toBe(200);
		site.triggerCaptcha(2);
		const started = await org.recruiter.api.post('/sourcing/smartrecruiters', { external_job_id: 'bull-job' });
		expect(started.status, JSON.stringify(started.body)).toBe(202);
		const runId: string = started.body.data.id;
		await waitForJob(org.recruiter, started.body.data.job_id, 120_000);
		let run = (await org.recruiter.api.get(`/sourcing/smartrecruiters/${runId}`)).body.data as RunView;
		expect(run).toMatchObject({ status: 'paused', processed: 2 });
		// The web process did none of it: the worker's log shows the work.
		expect(worker.logs.join('\n')).toContain('SmartRecruiters import paused');
		expect(web.logs.join('\n')).not.toContain('SmartRecruiters candidate processed');

		site.clearCaptcha();
		const resumed = await org.recruiter.api.post(`/sourcing/smartrecruiters/${runId}/resume`, {});
		expect(resumed.status).toBe(202);
		await waitForJob(org.recruiter, resumed.body.data.job_id, 120_000);
		run = (await org.recruiter.api.get(`/sourcing/smartrecruiters/${runId}`)).body.data as RunView;
		expect(run).toMatchObject({ status: 'completed', processed: 6, imported: 6, duplicates: 0 });
		expect([...site.profileViews.values()].every((n) => n === 1)).toBe(true);
		const rows = await sql<{ n: string }>(
			{ url: database.url } as TestDatabase,
			"select count(*) as n from candidates where source = 'sourcing'"
		);
		expect(Number(rows![0].n)).toBe(6);
		expect(worker.logs.join('\n').includes(PASSWORD)).toBe(false);
	});
});
