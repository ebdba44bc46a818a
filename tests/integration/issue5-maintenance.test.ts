import { and, eq, inArray, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSmtpServer, waitFor } from '../helpers/app';
import { createUserWithSession } from '../helpers/collab';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { BACKENDS } from '../helpers/env';
import { expectRejection } from '../helpers/errors';
import { decodedSubject, mimeParts } from '../helpers/mail';
import { createTestRuntime, type TestRuntime } from '../helpers/runtime';
import type { Actor } from '../../src/lib/server/actor';
import {
	applications,
	auditLog,
	candidates,
	departments,
	interviews,
	jobs,
	notifications,
	offers,
	requirements
} from '../../src/lib/server/db/schema';
import { getJobRow } from '../../src/lib/server/jobs/rows';
import type { Runtime } from '../../src/lib/server/runtime';
import { scheduleInterview } from '../../src/lib/server/interviews/service';
import { getTemplate, submitScorecard } from '../../src/lib/server/interviews/scorecards';
import { newLinkNonce } from '../../src/lib/server/offers/links';
import { candidateLink, offerForLink, respondToOffer } from '../../src/lib/server/offers/service';
import { interviewMaintenanceJob } from '../../worker/jobs/interview-maintenance';

const ORIGIN = 'http://hire.example.test';
const HOUR = 3_600_000;

/**
 * The hourly interview upkeep job on an in-process runtime (issue 5): panelists whose feedback
 * is more than 24 h overdue get one reminder — in the app and by e-mail to a real SMTP server —
 * and not a second one the same day; extended offers past their expiry date expire, and their
 * candidate link stops working.
 */
describe.each(BACKENDS)('interview maintenance on %s', (backend) => {
	let database: TestDatabase;
	let test: TestRuntime;
	let rt: Runtime;
	let smtp: Awaited<ReturnType<typeof startSmtpServer>>;
	let recruiter: Actor;
	let done: { id: string; email: string; name: string };
	let late: { id: string; email: string; name: string };
	let requirementId: string;
	let candidateId: string;
	let applicationId: string;
	let slot = 0;

	beforeAll(async () => {
		smtp = await startSmtpServer();
		database = await createTestDatabase(backend);
		test = await createTestRuntime({ backend, database, env: { SMTP_URL: smtp.url, ORIGIN } });
		rt = test.rt;
		await rt.jobs.startProcessing();
		const r = await createUserWithSession(rt.db, { role: 'recruiter', name: 'Rita Recruiter' });
		recruiter = { userId: r.user.id, role: 'recruiter', name: r.user.name };
		done = (await createUserWithSession(rt.db, { role: 'interviewer', name: 'Dora Done' })).user;
		late = (await createUserWithSession(rt.db, { role: 'interviewer', name: 'Leo Late' })).user;
		const hm = await createUserWithSession(rt.db, { role: 'hiring_manager', name: 'Hanna Manager' });
		const [dept] = await rt.db.insert(departments).values({ name: 'Research' }).returning();
		const [req] = await rt.db
			.insert(requirements)
			.values({
				title: 'Lab Scientist',
				departmentId: dept.id,
				hiringManagerId: hm.user.id,
				createdBy: hm.user.id,
				status: 'open'
			})
			.returning();
		requirementId = req.id;
		const [candidate] = await rt.db
			.insert(candidates)
			.values({ name: 'Olga Overdue', emails: ['olga@example.net'] })
			.returning();
		candidateId = candidate.id;
		const [app] = await rt.db
			.insert(applications)
			.values({ requirementId, candidateId, stage: 'interview', rank: 'a0' })
			.returning();
		applicationId = app.id;
	});

	afterAll(async () => {
		await test?.close();
		await database?.close();
		await smtp?.close();
	});

	async function interviewEnded(hoursAgo: number, panel: Array<{ id: string }>) {
		const result = await scheduleInterview(rt, recruiter, {
			application_id: applicationId,
			type: 'technical',
			starts_at: new Date(Date.now() - (hoursAgo + 1) * HOUR).toISOString(),
			ends_at: new Date(Date.now() - hoursAgo * HOUR).toISOString(),
			time_zone: 'Europe/Berlin',
			panel: panel.map((p, i) => ({ user_id: p.id, is_lead: i === 0 }))
		});
		return result.interview;
	}

	async function submitComplete(who: { id: string; name: string }, interviewId: string, templateId: string) {
		const template = await getTemplate(rt.db, templateId);
		const ratings = Object.fromEntries(
			template.sections.flatMap((s) => s.competencies.map((c) => [c.key, { rating: 3, evidence: 'fine' }]))
		);
		await submitScorecard(rt, { userId: who.id, role: 'interviewer', name: who.name }, interviewId, {
			ratings,
			recommendation: 'yes'
		});
	}

	/** Enqueues the job as the hourly schedule does and waits for its row to finish. */
	async function runMaintenance(): Promise<{ interviewsReminded: number; offersExpired: number }> {
		slot += 1;
		const row = await rt.jobs.enqueue(interviewMaintenanceJob, {}, { dedupeKey: `test-maintenance:${slot}` });
		const finished = await waitFor(
			async () => {
				const current = await getJobRow(rt.db, row.id);
				return current && ['completed', 'failed'].includes(current.status) ? current : null;
			},
			{ message: 'the maintenance job to finish' }
		);
		expect(finished.status, JSON.stringify(finished.error)).toBe('completed');
		return finished.result as { interviewsReminded: number; offersExpired: number };
	}

	const overdueNotices = (userId: string) =>
		rt.db
			.select()
			.from(notifications)
			.where(and(eq(notifications.userId, userId), eq(notifications.kind, 'feedback_overdue')));

	it('reminds a panelist 24 h after the interview ended once — in the app and by e-mail — and not again that day', async () => {
		const overdue = await interviewEnded(30, [done, late]);
		const recent = await interviewEnded(20, [late]);
		const allIn = await interviewEnded(40, [done]);
		expect(overdue.scorecardTemplateId).toBeTruthy();
		await submitComplete(done, overdue.id, overdue.scorecardTemplateId!);
		await submitComplete(done, allIn.id, allIn.scorecardTemplateId!);

		expect(await runMaintenance()).toEqual({ interviewsReminded: 1, offersExpired: 0 });
		const [notice] = await overdueNotices(late.id);
		expect(notice).toMatchObject({
			title: 'Feedback overdue: interview with Olga Overdue',
			body: 'The interview with Olga Overdue ended more than a day ago and your scorecard is not submitted yet.',
			link: `/interviews/${overdue.id}`,
			subjectType: 'interview',
			subjectId: overdue.id,
			readAt: null
		});
		expect(await overdueNotices(late.id)).toHaveLength(1);
		// Whoever submitted is not reminded; an interview 20 h ago is not overdue yet; a panel
		// that is complete is left alone.
		expect(await overdueNotices(done.id)).toHaveLength(0);
		const [recentRow] = await rt.db.select().from(interviews).where(eq(interviews.id, recent.id));
		const [allInRow] = await rt.db.select().from(interviews).where(eq(interviews.id, allIn.id));
		expect(recentRow.feedbackRemindedAt).toBeNull();
		expect(allInRow.feedbackRemindedAt).toBeNull();

		const mail = await waitFor(() =>
			smtp.messages.find((m) => m.to.includes(late.email) && decodedSubject(m).startsWith('Feedback overdue'))
		);
		expect(decodedSubject(mail)).toBe('Feedback overdue: interview with Olga Overdue');
		const parts = mimeParts(mail.raw);
		expect(parts['text/plain']).toContain('Hello Leo Late,');
		expect(parts['text/plain']).toContain(`${ORIGIN}/interviews/${overdue.id}`);

		// The job runs again within the day: nothing new, no second e-mail queued.
		expect(await runMaintenance()).toEqual({ interviewsReminded: 0, offersExpired: 0 });
		expect(await overdueNotices(late.id)).toHaveLength(1);
		const emailJobs = await rt.db
			.select()
			.from(jobs)
			.where(and(eq(jobs.kind, 'email.notification'), sql`${jobs.input}->>'notificationId' = ${notice.id}`));
		expect(emailJobs).toHaveLength(1);
		expect(
			smtp.messages.filter((m) => m.to.includes(late.email) && decodedSubject(m).startsWith('Feedback'))
		).toHaveLength(1);

		// A day later, still not submitted: one more reminder. Once submitted: no more.
		await rt.db
			.update(interviews)
			.set({ feedbackRemindedAt: sql`now() - interval '25 hours'` })
			.where(eq(interviews.id, overdue.id));
		expect((await runMaintenance()).interviewsReminded).toBe(1);
		expect(await overdueNotices(late.id)).toHaveLength(2);
		await submitComplete(late, overdue.id, overdue.scorecardTemplateId!);
		await rt.db
			.update(interviews)
			.set({ feedbackRemindedAt: sql`now() - interval '25 hours'` })
			.where(eq(interviews.id, overdue.id));
		expect((await runMaintenance()).interviewsReminded).toBe(0);
		expect(await overdueNotices(late.id)).toHaveLength(2);
	});

	it('expires an extended offer past its expiry date when the job runs, and its link stops working', async () => {
		const today = new Date().toISOString().slice(0, 10);
		const yesterday = new Date(Date.now() - 24 * HOUR).toISOString().slice(0, 10);
		const base = {
			requirementId,
			candidateId,
			baseSalary: 70_000,
			currency: 'EUR',
			startDate: '2031-01-01',
			status: 'extended' as const
		};
		// Each offer needs its own application (one live offer per application).
		const extraApplication = async (rank: string) =>
			(
				await rt.db
					.insert(applications)
					.values({ requirementId, candidateId: (await newCandidate()).id, stage: 'offer', rank })
					.returning()
			)[0];
		const newCandidate = async () =>
			(
				await rt.db
					.insert(candidates)
					.values({ name: `Candidate ${Math.random()}`, emails: [] })
					.returning()
			)[0];

		// Extended with a link valid through today; the date then passes (the row moves back a day).
		const [lapsing] = await rt.db
			.insert(offers)
			.values({
				...base,
				applicationId: (await extraApplication('b0')).id,
				expiryDate: today,
				linkNonce: newLinkNonce()
			})
			.returning();
		const token = new URL(candidateLink(rt, lapsing)).pathname.replace('/offer/', '');
		expect((await offerForLink(rt, token)).ok).toBe(true);
		await rt.db.update(offers).set({ expiryDate: yesterday }).where(eq(offers.id, lapsing.id));
		// Still valid today: not touched.
		const [current] = await rt.db
			.insert(offers)
			.values({
				...base,
				applicationId: (await extraApplication('c0')).id,
				expiryDate: today,
				linkNonce: newLinkNonce()
			})
			.returning();
		// A link that expired by its own date is refused as expired, before any job runs.
		const [old] = await rt.db
			.insert(offers)
			.values({
				...base,
				applicationId: (await extraApplication('d0')).id,
				expiryDate: yesterday,
				linkNonce: newLinkNonce()
			})
			.returning();
		const oldToken = new URL(candidateLink(rt, old)).pathname.replace('/offer/', '');
		expect(await offerForLink(rt, oldToken)).toEqual({ ok: false, reason: 'expired' });
		await expectRejection(respondToOffer(rt, oldToken, 'accept', null, {}), /This offer link has expired/);

		expect((await runMaintenance()).offersExpired).toBe(2);
		const rows = await rt.db
			.select({ id: offers.id, status: offers.status, linkNonce: offers.linkNonce })
			.from(offers)
			.where(inArray(offers.id, [lapsing.id, current.id, old.id]));
		const byId = new Map(rows.map((r) => [r.id, r]));
		expect(byId.get(lapsing.id)).toMatchObject({ status: 'expired', linkNonce: null });
		expect(byId.get(old.id)).toMatchObject({ status: 'expired', linkNonce: null });
		expect(byId.get(current.id)).toMatchObject({ status: 'extended' });
		// The link that worked this morning no longer does, and accepting through it is refused.
		expect(await offerForLink(rt, token)).toEqual({ ok: false, reason: 'replaced' });
		await expectRejection(respondToOffer(rt, token, 'accept', null, {}), /This offer link is not valid/);
		const [stillExpired] = await rt.db.select().from(offers).where(eq(offers.id, lapsing.id));
		expect(stillExpired.status).toBe('expired');
		// Expiry is audited; running again expires nothing more.
		expect((await runMaintenance()).offersExpired).toBe(0);
		const audits = await rt.db
			.select({ action: auditLog.action, metadata: auditLog.metadata })
			.from(auditLog)
			.where(and(eq(auditLog.entityType, 'offer'), eq(auditLog.entityId, lapsing.id)));
		expect(audits.map((a) => a.action)).toEqual(['offer.expired']);
	});
});
