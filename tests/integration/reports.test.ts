import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSmtpServer, waitFor } from '../helpers/app';
import { BACKENDS } from '../helpers/env';
import {
	addApplication,
	createCandidate,
	createMember,
	createOrg,
	openRequirement,
	startApp,
	type Member,
	type Org,
	type RunningApp
} from '../helpers/hiring';
import { completeScorecard, generalTemplate, hoursFromNow, type TemplateView } from '../helpers/interviews';
import { mimeParts } from '../helpers/mail';

/**
 * The reports (pipeline, time to hire, sources, requirements, offers, interviews) over a small
 * data set seeded through the API, with every figure known:
 *
 * - Engineering: Backend Engineer (headcount 1). Ann (referral) goes applied → screening →
 *   interview → offer, her offer is accepted → hired, and the requirement is filled. Ben
 *   (sourcing) goes sourced → applied → rejected (not qualified). Cat (referral) goes applied →
 *   screening → interview → offer and declines her offer.
 * - Platform (under Engineering): Platform Engineer, headcount 2, target start 2020-01-02, open.
 * - Sales: Account Executive, open. Sam (agency) goes applied → screening, has a draft offer and
 *   an interview that ended 30 h ago with Ivan's feedback missing.
 * - Interviews in Engineering: Cat's ended 50 h ago (Ivan submits now: late; Hanna never: overdue),
 *   Ann's ended 1 h ago (Ivan submits now: on time).
 * - Sid, a recruiter assigned to Engineering, sees Engineering and Platform, never Sales.
 */
describe.each(BACKENDS)('reports on %s', (backend) => {
	let smtp: Awaited<ReturnType<typeof startSmtpServer>>;
	let running: RunningApp;
	let org: Org;
	let sid: Member;
	let template: TemplateView;
	let engineering: string;
	let platform: string;
	let sales: string;
	const req = { eng: '', platform: '', sales: '' };

	async function move(appId: string, stage: string, extra: Record<string, unknown> = {}) {
		const current = await org.recruiter.api.get(`/applications/${appId}`);
		expect(current.status, JSON.stringify(current.body)).toBe(200);
		const res = await org.recruiter.api.patch(`/applications/${appId}/stage`, {
			stage,
			version: current.body.data.version,
			...extra
		});
		expect(res.status, JSON.stringify(res.body)).toBe(200);
	}

	async function applicant(requirementId: string, name: string, source: string, stages: string[]) {
		const email = `${name.toLowerCase()}@example.net`;
		const candidate = await createCandidate(org.recruiter, { name, emails: [email], source });
		const app = await addApplication(org.recruiter, requirementId, candidate.id, stages[0]);
		for (const stage of stages.slice(1)) await move(app.id, stage);
		return { id: app.id as string, email };
	}

	async function interview(applicationId: string, endedHoursAgo: number, panel: Member[]) {
		const res = await org.recruiter.api.post('/interviews', {
			application_id: applicationId,
			type: 'technical',
			starts_at: hoursFromNow(-endedHoursAgo - 1),
			ends_at: hoursFromNow(-endedHoursAgo),
			time_zone: 'Europe/Paris',
			panel: panel.map((m, i) => ({ user_id: m.id, is_lead: i === 0 })),
			scorecard_template_id: template.id
		});
		expect(res.status, JSON.stringify(res.body)).toBe(201);
		return res.body.data.interview.id as string;
	}

	async function submitScorecard(who: Member, interviewId: string) {
		const res = await who.api.post(
			`/interviews/${interviewId}/scorecard/submit`,
			completeScorecard(template, 3, 'yes')
		);
		expect(res.status, JSON.stringify(res.body)).toBeLessThan(300);
	}

	/** An offer drafted, approved and extended; returns the candidate's link token. */
	async function extendedOffer(applicationId: string, email: string) {
		const draft = await org.recruiter.api.post('/offers', {
			application_id: applicationId,
			base_salary: 90_000,
			currency: 'EUR',
			start_date: '2030-02-01',
			expiry_date: '2029-12-31'
		});
		expect(draft.status, JSON.stringify(draft.body)).toBe(201);
		const id: string = draft.body.data.id;
		expect((await org.recruiter.api.post(`/offers/${id}/submit`, {})).status).toBe(200);
		const pending = await org.approver.api.get('/approvals/pending');
		for (const a of (pending.body.data.items as Array<{ id: string; subject_id: string }>).filter(
			(x) => x.subject_id === id
		)) {
			expect((await org.approver.api.post(`/approvals/${a.id}/approve`, {})).status).toBe(200);
		}
		const extended = await org.recruiter.api.post(`/offers/${id}/extend`, {});
		expect(extended.status, JSON.stringify(extended.body)).toBe(200);
		const mail = await waitFor(() => smtp.messages.find((m) => m.to.includes(email)), {
			timeoutMs: 60_000,
			message: `the offer e-mail to ${email}`
		});
		const link = /Review and respond: (\S+)/.exec(mimeParts(mail.raw)['text/plain'])?.[1];
		expect(link).toBeTruthy();
		return { id, token: decodeURIComponent(new URL(link!).pathname.replace(/^\/offer\//, '')) };
	}

	beforeAll(async () => {
		smtp = await startSmtpServer();
		running = await startApp(backend, { SMTP_URL: smtp.url });
		org = await createOrg(running);
		engineering = org.departmentId;
		const sub = await org.admin.api.post('/departments', { name: 'Platform', parent_id: engineering });
		expect(sub.status, JSON.stringify(sub.body)).toBe(201);
		platform = sub.body.data.id;
		const other = await org.admin.api.post('/departments', { name: 'Sales' });
		expect(other.status, JSON.stringify(other.body)).toBe(201);
		sales = other.body.data.id;
		template = await generalTemplate(org.recruiter);

		req.eng = (await openRequirement(org, 'Backend Engineer')).id;
		req.platform = (
			await openRequirement(org, 'Platform Engineer', {
				department_id: platform,
				headcount: 2,
				target_start_date: '2020-01-02'
			})
		).id;
		req.sales = (await openRequirement(org, 'Account Executive', { department_id: sales })).id;

		const ann = await applicant(req.eng, 'Ann', 'referral', ['applied', 'screening', 'interview', 'offer']);
		const ben = await applicant(req.eng, 'Ben', 'sourcing', ['sourced', 'applied']);
		await move(ben.id, 'rejected', { rejection_reason: 'not_qualified' });
		const cat = await applicant(req.eng, 'Cat', 'referral', ['applied', 'screening', 'interview', 'offer']);
		const sam = await applicant(req.sales, 'Sam', 'agency', ['applied', 'screening']);

		const catInterview = await interview(cat.id, 50, [org.interviewer, org.manager]);
		const annInterview = await interview(ann.id, 1, [org.interviewer]);
		await interview(sam.id, 30, [org.interviewer]);
		await submitScorecard(org.interviewer, catInterview);
		await submitScorecard(org.interviewer, annInterview);

		const annOffer = await extendedOffer(ann.id, ann.email);
		const accepted = await org.recruiter.api.post(`/offers/${annOffer.id}/accept`, { token: annOffer.token });
		expect(accepted.status, JSON.stringify(accepted.body)).toBe(200);
		expect(accepted.body.data.filled).toBe(true);
		const catOffer = await extendedOffer(cat.id, cat.email);
		const declined = await org.recruiter.api.post(`/offers/${catOffer.id}/decline`, {
			token: catOffer.token,
			reason: 'Took another job'
		});
		expect(declined.status, JSON.stringify(declined.body)).toBe(200);
		const samOffer = await org.recruiter.api.post('/offers', {
			application_id: sam.id,
			base_salary: 70_000,
			currency: 'EUR',
			start_date: '2030-02-01',
			expiry_date: '2029-12-31'
		});
		expect(samOffer.status, JSON.stringify(samOffer.body)).toBe(201);

		sid = await createMember(running, 'recruiter', 'Sid Scoped');
		const assigned = await org.admin.api.patch(`/users/${sid.id}`, { department_ids: [engineering] });
		expect(assigned.status, JSON.stringify(assigned.body)).toBe(200);
	}, 300_000);

	afterAll(async () => {
		await running?.close();
		await smtp?.close();
	});

	async function report(who: Member, kind: string, query = '') {
		const res = await who.api.get(`/reports/${kind}${query}`);
		expect(res.status, JSON.stringify(res.body)).toBe(200);
		return res.body.data as Record<string, any>;
	}

	async function download(token: string, path: string) {
		const response = await fetch(`${running.url}/api/v1${path}`, { headers: { authorization: `Bearer ${token}` } });
		return { status: response.status, headers: response.headers, text: await response.text() };
	}

	const funnel = (r: Record<string, any>) =>
		(r.stages as Array<{ key: string; reached: number; current: number; conversion: number | null }>).map((s) => [
			s.key,
			s.reached,
			s.current,
			s.conversion
		]);

	it('pipeline: reached, current and conversion per default stage, rejections with reasons', async () => {
		const all = await report(org.admin, 'pipeline');
		expect(all.applications).toBe(4);
		expect(funnel(all)).toEqual([
			['sourced', 1, 0, null],
			['applied', 4, 0, 1],
			['screening', 3, 1, 0.75],
			['interview', 2, 0, 0.667],
			['offer', 2, 1, 1],
			['hired', 1, 1, 0.5]
		]);
		expect(all.rejected).toBe(1);
		expect(all.withdrawn).toBe(0);
		expect(all.rejection_reasons).toEqual([{ reason: 'not_qualified', count: 1 }]);

		// One requirement; a department with its sub-departments; a period with nothing in it.
		expect((await report(org.admin, 'pipeline', `?requirement_id=${req.sales}`)).applications).toBe(1);
		expect((await report(org.admin, 'pipeline', `?department_id=${engineering}`)).applications).toBe(3);
		expect((await report(org.admin, 'pipeline', `?department_id=${platform}`)).applications).toBe(0);
		const empty = await report(org.admin, 'pipeline', '?from=2001-01-01&to=2001-12-31');
		expect(empty.applications).toBe(0);
		expect(funnel(empty).every(([, reached, current]) => reached === 0 && current === 0)).toBe(true);
		const today = new Date().toISOString().slice(0, 10);
		expect((await report(org.admin, 'pipeline', `?from=${today}&to=${today}`)).applications).toBe(4);
	});

	it('time to hire: the hire, the filled requirement, stage durations and departments', async () => {
		const r = await report(org.admin, 'time-to-hire');
		expect(r.hires).toBe(1);
		expect(r.days_to_hire).toEqual({ median: 0, mean: 0 });
		expect(r.filled_requirements).toBe(1);
		expect(r.days_to_fill).toEqual({ median: 0, mean: 0 });
		expect(r.stage_days.map((s: { key: string; moves: number }) => [s.key, s.moves])).toEqual([
			['sourced', 0],
			['applied', 1],
			['screening', 1],
			['interview', 1],
			['offer', 1]
		]);
		expect(r.departments).toEqual([
			{
				department_id: engineering,
				department: 'Engineering',
				hires: 1,
				median_days_to_hire: 0,
				mean_days_to_hire: 0,
				median_days_to_fill: 0
			}
		]);
		expect((await report(org.admin, 'time-to-hire', `?department_id=${sales}`)).hires).toBe(0);
		expect((await report(org.admin, 'time-to-hire', '?to=2001-01-01')).hires).toBe(0);
	});

	it('sources: candidates, applications, hires and hire rate per source', async () => {
		const r = await report(org.admin, 'sources');
		const bySource = Object.fromEntries(
			(r.sources as Array<Record<string, any>>).map((s) => [
				s.source,
				[s.candidates, s.applications, s.hires, s.hire_rate]
			])
		);
		expect(bySource).toEqual({
			careers_page: [0, 0, 0, null],
			referral: [2, 2, 1, 0.5],
			sourcing: [1, 1, 0, 0],
			agency: [1, 1, 0, 0],
			import: [0, 0, 0, null],
			manual: [0, 0, 0, null]
		});
	});

	it('requirements: by status per department, open headcount, approval time, openings past their start date', async () => {
		const r = await report(org.admin, 'requirements');
		expect(r.total).toBe(3);
		expect(r.by_status).toMatchObject({ filled: 1, open: 2, draft: 0, pending_approval: 0 });
		expect(
			(r.departments as Array<Record<string, any>>).map((d) => [
				d.department,
				d.by_status.open,
				d.by_status.filled,
				d.open_headcount
			])
		).toEqual([
			['Engineering', 0, 1, 0],
			['Platform', 1, 0, 2],
			['Sales', 1, 0, 1]
		]);
		expect(r.open_headcount).toBe(3);
		expect(r.approval_days).toEqual({ median: 0, count: 3 });
		expect(r.past_target_start).toEqual([
			expect.objectContaining({
				id: req.platform,
				title: 'Platform Engineer',
				target_start_date: '2020-01-02',
				open_headcount: 2
			})
		]);
		const eng = await report(org.admin, 'requirements', `?department_id=${engineering}`);
		expect(eng.total).toBe(2);
	});

	it('offers: by status, acceptance rate, days from extended to decided', async () => {
		const r = await report(org.admin, 'offers');
		expect(r.total).toBe(3);
		expect(r.by_status).toMatchObject({ accepted: 1, declined: 1, draft: 1, extended: 0, expired: 0 });
		expect(r.acceptance_rate).toBe(0.5);
		expect(r.decision_days).toEqual({ median: 0, count: 2 });
	});

	it('interviews: by status, scorecards within 24 h, overdue feedback per interviewer (named for those who read interviews)', async () => {
		const r = await report(org.recruiter, 'interviews');
		expect(r.total).toBe(3);
		expect(r.by_status).toMatchObject({ scheduled: 3, completed: 0, cancelled: 0 });
		expect(r.scorecards).toEqual({ submitted: 2, within_24h: 1, on_time_rate: 0.5 });
		expect(r.overdue_feedback).toBe(2);
		expect(r.overdue_by_interviewer).toEqual([
			{ user_id: org.manager.id, name: org.manager.name, overdue: 1 },
			{ user_id: org.interviewer.id, name: org.interviewer.name, overdue: 1 }
		]);
		// A viewer reads reports but not interviews: the counts without the names.
		const viewer = await report(org.viewer, 'interviews');
		expect(viewer.overdue_feedback).toBe(2);
		expect(viewer.overdue_by_interviewer).toEqual([
			{ user_id: null, name: null, overdue: 1 },
			{ user_id: null, name: null, overdue: 1 }
		]);
	});

	it("a recruiter assigned to Engineering gets Engineering's and Platform's figures, nothing of Sales", async () => {
		const pipeline = await report(sid, 'pipeline');
		expect(pipeline.applications).toBe(3);
		expect(funnel(pipeline)).toEqual([
			['sourced', 1, 0, null],
			['applied', 3, 0, 1],
			['screening', 2, 0, 0.667],
			['interview', 2, 0, 1],
			['offer', 2, 1, 1],
			['hired', 1, 1, 0.5]
		]);
		// Asking for Sales by department or by requirement does not bring it back.
		expect((await report(sid, 'pipeline', `?department_id=${sales}`)).applications).toBe(0);
		expect((await report(sid, 'pipeline', `?requirement_id=${req.sales}`)).applications).toBe(0);
		const sources = await report(sid, 'sources');
		expect(sources.sources.find((s: { source: string }) => s.source === 'agency')).toEqual({
			source: 'agency',
			candidates: 0,
			applications: 0,
			hires: 0,
			hire_rate: null
		});
		const requirements = await report(sid, 'requirements');
		expect(requirements.total).toBe(2);
		expect(requirements.departments.map((d: { department: string }) => d.department)).toEqual([
			'Engineering',
			'Platform'
		]);
		expect(requirements.open_headcount).toBe(2);
		const offers = await report(sid, 'offers');
		expect(offers.total).toBe(2);
		expect(offers.by_status.draft).toBe(0);
		const interviews = await report(sid, 'interviews');
		expect(interviews.total).toBe(2);
		expect(interviews.overdue_by_interviewer).toEqual([
			{ user_id: org.manager.id, name: org.manager.name, overdue: 1 }
		]);
		expect((await report(sid, 'time-to-hire')).hires).toBe(1);
	});

	it('downloads each report as CSV', async () => {
		const res = await download(org.admin.token, '/reports/pipeline?format=csv');
		expect(res.status).toBe(200);
		expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
		expect(res.headers.get('content-disposition')).toMatch(
			/^attachment; filename="report-pipeline-\d{4}-\d{2}-\d{2}\.csv"$/
		);
		const lines = res.text
			.replace(/^\ufeff/, '')
			.trim()
			.split('\r\n');
		expect(lines[0]).toBe('section,item,measure,value');
		expect(lines).toContain('total,applications,count,4');
		expect(lines).toContain('stage,screening,reached,3');
		expect(lines).toContain('stage,interview,conversion_from_previous,0.667');
		expect(lines).toContain('rejection_reason,not_qualified,count,1');
		for (const kind of ['time-to-hire', 'sources', 'requirements', 'offers', 'interviews']) {
			const csv = await download(sid.token, `/reports/${kind}?format=csv`);
			expect(csv.status, kind).toBe(200);
			expect(csv.headers.get('content-disposition'), kind).toContain(`report-${kind}-`);
			const text = csv.text;
			expect(text, kind).toContain('section,item,measure,value\r\n');
			expect(text, kind).not.toContain('Sales');
		}
		const offers = (await download(org.admin.token, '/reports/offers?format=csv')).text;
		expect(offers).toContain('acceptance,all,rate,0.5\r\n');
	});

	it('refuses bad filters with 422 and field details, and an interviewer with 403', async () => {
		const cases: Array<[string, string]> = [
			['?from=2026-13-01', 'from'],
			['?from=yesterday', 'from'],
			['?to=2026-02-30', 'to'],
			['?from=2026-03-02&to=2026-03-01', 'to'],
			['?department_id=sales', 'department_id'],
			['?requirement_id=1', 'requirement_id'],
			['?format=xlsx', 'format']
		];
		for (const [query, field] of cases) {
			const res = await org.recruiter.api.get(`/reports/pipeline${query}`);
			expect(res.status, query).toBe(422);
			expect(
				res.body.error.details.map((d: { field: string }) => d.field),
				query
			).toEqual([field]);
		}
		for (const kind of ['pipeline', 'time-to-hire', 'sources', 'requirements', 'offers', 'interviews']) {
			expect((await org.interviewer.api.get(`/reports/${kind}`)).status, kind).toBe(403);
		}
		expect((await download('not-a-token', '/reports/pipeline')).status).toBe(401);
	});
});
