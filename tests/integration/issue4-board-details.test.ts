import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../helpers/app';
import { cvDocx } from '../helpers/cvs';
import { BACKENDS } from '../helpers/env';
import {
	addApplication,
	createCandidate,
	createOrg,
	openRequirement,
	postForm,
	sql,
	startApp,
	waitForJob,
	type Org,
	type RunningApp
} from '../helpers/hiring';

interface Card {
	id: string;
	stage: string;
	rejection_reason: string | null;
	screening?: { score: number; decision: string; source: string; screened_at: string } | null;
	next_interview?: { id: string; type: string; status: string; starts_at: string } | null;
}

interface ProfileApplication {
	id: string;
	stage: string;
	stage_label: string;
	screening?: { score: number; decision: string; source: string } | null;
}

const CV =
	'Senior backend engineer. Eight years of Go and PostgreSQL, services on Kubernetes behind REST APIs, ' +
	'Kafka pipelines and Terraform for the infrastructure.';

/**
 * What a board card and a candidate's profile show beyond the application (issue 4): the latest
 * AI screening with its source, the next scheduled interview, the rejection reason, and the stage
 * as the requirement's own pipeline names it — each only for users allowed to see it.
 */
describe.each(BACKENDS)('board card and profile details on %s', (backend) => {
	let running: RunningApp;
	let org: Org;

	beforeAll(async () => {
		running = await startApp(backend);
		org = await createOrg(running);
	});

	afterAll(async () => {
		await running?.close();
	});

	async function board(requirementId: string, who = org.recruiter) {
		const res = await who.api.get(`/requirements/${requirementId}/pipeline`);
		expect(res.status, JSON.stringify(res.body)).toBe(200);
		return new Map((res.body.data.cards as Card[]).map((c) => [c.id, c]));
	}

	async function schedule(applicationId: string, startsAt: string) {
		const end = new Date(new Date(startsAt).getTime() + 3_600_000).toISOString();
		const res = await org.recruiter.api.post('/interviews', {
			application_id: applicationId,
			type: 'technical',
			starts_at: startsAt,
			ends_at: end,
			time_zone: 'Europe/Berlin',
			panel: [{ user_id: org.interviewer.id, is_lead: true }]
		});
		expect(res.status, JSON.stringify(res.body)).toBe(201);
		return res.body.data.interview.id as string;
	}

	it('cards carry the latest AI screening with its source, the next scheduled interview and the rejection reason', async () => {
		const req = await openRequirement(org, 'Card Details Engineer');
		// Screened: the CV read from an uploaded Word file, then screened (no Gemini configured: the heuristic).
		const screened = await createCandidate(org.recruiter, {
			name: 'Sky Screened',
			emails: ['sky.screened@example.com']
		});
		const upload = await postForm(running.url, org.recruiter.token, `/candidates/${screened.id}/resume`, {
			bytes: cvDocx(CV),
			name: 'sky.docx',
			type: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document'
		});
		expect(upload.status, JSON.stringify(upload.body)).toBe(201);
		await waitFor(
			async () => (await org.recruiter.api.get(`/candidates/${screened.id}`)).body.data?.has_cv_text === true,
			{ timeoutMs: 60_000, message: 'the CV text' }
		);
		const screenedApp = await addApplication(org.recruiter, req.id, screened.id, 'screening');
		const interviewed = await createCandidate(org.recruiter, { name: 'Ian Interviewed' });
		const interviewedApp = await addApplication(org.recruiter, req.id, interviewed.id, 'interview');
		const rejected = await createCandidate(org.recruiter, { name: 'Rae Rejected' });
		const rejectedApp = await addApplication(org.recruiter, req.id, rejected.id, 'applied');
		const plain = await createCandidate(org.recruiter, { name: 'Pat Plain' });
		const plainApp = await addApplication(org.recruiter, req.id, plain.id);

		// Before anything happened: every card has explicit empty details.
		const empty = await board(req.id);
		expect(empty.get(screenedApp.id)).toMatchObject({ screening: null, next_interview: null });

		const screen = await org.recruiter.api.post('/ai/screen', { application_id: screenedApp.id });
		expect(screen.status, JSON.stringify(screen.body)).toBe(202);
		const { job } = await waitForJob(org.recruiter, screen.body.data.job_id);
		expect(job.status, JSON.stringify(job)).toBe('completed');
		const run = (await org.recruiter.api.get(`/ai/screen/runs/${job.result.run_id}`)).body.data;
		expect(run.source).toBe('heuristic');

		// Interviews: a later one and the next one.
		await schedule(interviewedApp.id, '2031-06-02T09:00:00Z');
		const next = await schedule(interviewedApp.id, '2031-05-04T13:00:00Z');

		const rejectedMove = await org.recruiter.api.patch(`/applications/${rejectedApp.id}/stage`, {
			stage: 'rejected',
			version: 1,
			rejection_reason: 'not_qualified'
		});
		expect(rejectedMove.status, JSON.stringify(rejectedMove.body)).toBe(200);

		const cards = await board(req.id);
		expect(cards.get(screenedApp.id)?.screening).toEqual({
			score: run.score,
			decision: run.decision,
			source: 'heuristic',
			screened_at: run.created_at
		});
		expect(cards.get(interviewedApp.id)?.next_interview).toMatchObject({
			id: next,
			type: 'technical',
			status: 'scheduled',
			starts_at: '2031-05-04T13:00:00.000Z'
		});
		expect(cards.get(interviewedApp.id)?.screening).toBeNull();
		expect(cards.get(rejectedApp.id)).toMatchObject({ stage: 'rejected', rejection_reason: 'not_qualified' });
		expect(cards.get(plainApp.id)).toMatchObject({ screening: null, next_interview: null, rejection_reason: null });

		// Postgres: a newer Gemini run wins over the heuristic one; an interview in the past or a
		// cancelled one is not "next".
		const inserted = await sql(
			running.database,
			`insert into screening_runs (application_id, candidate_id, requirement_id, source, model, score, decision, result, created_at)
			 values ($1, $2, $3, 'gemini', 'gemini-test', 91, 'advance', '{}'::jsonb, now() + interval '1 minute')`,
			[screenedApp.id, screened.id, req.id]
		);
		if (inserted) {
			await sql(running.database, `update interviews set starts_at = now() - interval '1 day' where id = $1`, [next]);
			const after = await board(req.id);
			expect(after.get(screenedApp.id)?.screening).toMatchObject({ score: 91, decision: 'advance', source: 'gemini' });
			expect(after.get(interviewedApp.id)?.next_interview?.starts_at).toBe('2031-06-02T09:00:00.000Z');
			await sql(running.database, `update interviews set status = 'cancelled' where application_id = $1`, [
				interviewedApp.id
			]);
			expect((await board(req.id)).get(interviewedApp.id)?.next_interview).toBeNull();
		}

		// An approver may watch the board but not read applications or interviews: neither is sent.
		const approverView = await board(req.id, org.approver);
		const approverCard = approverView.get(screenedApp.id);
		expect(approverCard).toBeDefined();
		expect(approverCard).not.toHaveProperty('screening');
		expect(approverCard).not.toHaveProperty('next_interview');
		expect(approverView.get(rejectedApp.id)?.rejection_reason).toBe('not_qualified');

		// The profile: the application's latest screening, its stage named as the pipeline names it.
		const stagesBefore = await org.admin.api.get(`/requirements/${req.id}/pipeline`);
		const renamed = await org.admin.api.put(`/requirements/${req.id}/pipeline/stages`, {
			version: stagesBefore.body.data.version,
			stages: [
				{ key: 'sourced', label: 'Sourced' },
				{ key: 'applied', label: 'Applied' },
				{ key: 'screening', label: 'Phone screen' },
				{ key: 'interview', label: 'Interviews' },
				{ key: 'offer', label: 'Offer' },
				{ key: 'hired', label: 'Hired' }
			]
		});
		expect(renamed.status, JSON.stringify(renamed.body)).toBe(200);
		const profile = await org.recruiter.api.get(`/candidates/${screened.id}`);
		expect(profile.status).toBe(200);
		const app = (profile.body.data.applications as ProfileApplication[]).find((a) => a.id === screenedApp.id);
		expect(app).toMatchObject({ stage: 'screening', stage_label: 'Phone screen' });
		expect(app?.screening).toMatchObject(
			inserted
				? { score: 91, decision: 'advance', source: 'gemini' }
				: { score: run.score, decision: run.decision, source: 'heuristic' }
		);
		const rejectedProfile = await org.recruiter.api.get(`/candidates/${rejected.id}`);
		expect(rejectedProfile.body.data.applications[0]).toMatchObject({
			stage: 'rejected',
			stage_label: 'Rejected',
			screening: null
		});
	});
});
