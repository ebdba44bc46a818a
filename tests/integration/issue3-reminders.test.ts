import { and, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../helpers/app';
import { startSmtpServer } from '../helpers/app';
import { createUserWithSession } from '../helpers/collab';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { BACKENDS } from '../helpers/env';
import { decodedSubject, mimeParts } from '../helpers/mail';
import { createTestRuntime, type TestRuntime } from '../helpers/runtime';
import type { Actor } from '../../src/lib/server/actor';
import { approvals, departments, notifications, users } from '../../src/lib/server/db/schema';
import { getJobRow } from '../../src/lib/server/jobs/rows';
import type { JobContext } from '../../src/lib/server/jobs/types';
import type { Runtime } from '../../src/lib/server/runtime';
import { createRequirement, transitionRequirement } from '../../src/lib/server/requirements/service';
import { approvalRemindersJob } from '../../worker/jobs/approval-reminders';

const ORIGIN = 'http://hire.example.test';

/**
 * The hourly reminder job on an in-process runtime (fresh database, real SMTP server): approvals
 * waiting longer than APPROVAL_REMINDER_HOURS get one reminder — in the app and by e-mail — and
 * no second one the same day, however often the job runs.
 */
describe.each(BACKENDS)('approval reminders on %s', (backend) => {
	let database: TestDatabase;
	let test: TestRuntime;
	let rt: Runtime;
	let smtp: Awaited<ReturnType<typeof startSmtpServer>>;
	let manager: Actor;
	let approver: { id: string; email: string };
	let quiet: { id: string; email: string };
	let departmentId: string;

	beforeAll(async () => {
		smtp = await startSmtpServer();
		database = await createTestDatabase(backend);
		// Six hours instead of the default 48: the threshold is configuration.
		test = await createTestRuntime({
			backend,
			database,
			env: { SMTP_URL: smtp.url, ORIGIN, APPROVAL_REMINDER_HOURS: '6' }
		});
		rt = test.rt;
		await rt.jobs.startProcessing();
		const hm = await createUserWithSession(rt.db, { role: 'hiring_manager', name: 'Hanna Manager' });
		manager = { userId: hm.user.id, role: 'hiring_manager', name: hm.user.name };
		// The default workflow asks every approver: one who reads e-mail, one who turned reminders off.
		approver = (await createUserWithSession(rt.db, { role: 'approver', name: 'Amir Approver' })).user;
		quiet = (await createUserWithSession(rt.db, { role: 'approver', name: 'Quentin Quiet' })).user;
		await rt.db
			.update(users)
			.set({ emailPreferences: { approval_reminder: false } })
			.where(eq(users.id, quiet.id));
		const [dept] = await rt.db.insert(departments).values({ name: 'Operations' }).returning();
		departmentId = dept.id;
	});

	afterAll(async () => {
		await test?.close();
		await database?.close();
		await smtp?.close();
	});

	/** A submitted requirement whose step-1 approvals were opened `hoursAgo` hours ago. */
	async function waitingSince(title: string, hoursAgo: number) {
		const created = await createRequirement(rt, manager, {
			title,
			department_id: departmentId,
			headcount: 1,
			employment_type: 'full_time',
			remote_policy: 'onsite'
		});
		await transitionRequirement(rt, manager, created.id, 'submit');
		const rows = await rt.db
			.update(approvals)
			.set({ createdAt: sql`now() - make_interval(hours => ${hoursAgo})` })
			.where(and(eq(approvals.subjectId, created.id), eq(approvals.status, 'pending')))
			.returning();
		expect(rows).toHaveLength(2);
		return { id: created.id, reference: created.reference, approvals: rows };
	}

	const remindersOf = (userId: string, subjectId: string) =>
		rt.db
			.select()
			.from(notifications)
			.where(
				and(
					eq(notifications.userId, userId),
					eq(notifications.subjectId, subjectId),
					eq(notifications.kind, 'approval_reminder')
				)
			);

	/** Enqueues the job as the hourly schedule does and waits for its row to finish. */
	async function runReminderJob(slot: string): Promise<{ reminded: number }> {
		const row = await rt.jobs.enqueue(approvalRemindersJob, {}, { dedupeKey: `test-reminders:${backend}:${slot}` });
		const done = await waitFor(
			async () => {
				const current = await getJobRow(rt.db, row.id);
				return current && ['completed', 'failed'].includes(current.status) ? current : null;
			},
			{ message: 'the reminder job to finish' }
		);
		expect(done.status, JSON.stringify(done.error)).toBe('completed');
		return done.result as { reminded: number };
	}

	function contextFor(runtime: Runtime): JobContext {
		return { jobId: 'direct', attempt: 1, runtime, progress: async () => {}, signal: new AbortController().signal };
	}

	it('reminds an approval waiting longer than the threshold once — in the app and by e-mail — and not again that day', async () => {
		const old = await waitingSince('Warehouse Lead', 7);
		const fresh = await waitingSince('Forklift Driver', 5);

		expect((await runReminderJob('first')).reminded).toBe(2);
		const [reminder] = await remindersOf(approver.id, old.id);
		expect(reminder).toMatchObject({
			title: `Reminder: ${old.reference} "Warehouse Lead" waits for your approval`,
			body: `Step "Approval" of ${old.reference} "Warehouse Lead" has waited 7 hours for your decision.`,
			link: `/requirements/${old.id}`,
			readAt: null
		});
		expect(await remindersOf(quiet.id, old.id)).toHaveLength(1);
		// Under the threshold: nothing yet.
		expect(await remindersOf(approver.id, fresh.id)).toHaveLength(0);

		const mail = await waitFor(() =>
			smtp.messages.find((m) => m.to.includes(approver.email) && decodedSubject(m).startsWith('Reminder:'))
		);
		expect(decodedSubject(mail)).toBe(`Reminder: ${old.reference} "Warehouse Lead" waits for your approval`);
		const parts = mimeParts(mail.raw);
		expect(parts['text/plain']).toContain('Hello Amir Approver,');
		expect(parts['text/plain']).toContain(`has waited 7 hours for your decision.`);
		expect(parts['text/plain']).toContain(`Open in Hiring Hare: ${ORIGIN}/requirements/${old.id}`);
		expect(parts['text/html']).toContain(`has waited 7 hours for your decision.`);
		expect(parts['text/html']).toContain(`href="${ORIGIN}/requirements/${old.id}"`);

		// The job runs again (hourly, or twice at once): no second reminder today.
		expect((await runReminderJob('second')).reminded).toBe(0);
		const [a, b] = await Promise.all([
			approvalRemindersJob.perform({}, contextFor(rt)),
			approvalRemindersJob.perform({}, contextFor(rt))
		]);
		expect(a.reminded + b.reminded).toBe(0);
		expect(await remindersOf(approver.id, old.id)).toHaveLength(1);

		// The quiet approver was reminded in the app only; the e-mail jobs have all finished by now.
		await waitFor(async () => {
			const rows = await rt.database.rows(
				"select count(*)::int as n from jobs where kind = 'email.notification' and status in ('queued', 'running')"
			);
			return Number(rows[0].n) === 0;
		});
		expect(smtp.messages.filter((m) => decodedSubject(m).startsWith('Reminder:')).map((m) => m.to)).toEqual([
			[approver.email]
		]);
	});

	it('reminds again once a day has passed since the last reminder, while the approval still waits', async () => {
		const req = await waitingSince('Shift Supervisor', 30);
		expect((await runReminderJob('day-1')).reminded).toBe(2);
		const mine = req.approvals.find((a) => a.approverId === approver.id)!;
		// A day later (as far as the job can tell)…
		await rt.db
			.update(approvals)
			.set({ lastRemindedAt: sql`now() - interval '25 hours'` })
			.where(eq(approvals.id, mine.id));
		expect((await runReminderJob('day-2')).reminded).toBe(1);
		const reminders = await remindersOf(approver.id, req.id);
		expect(reminders.map((r) => r.body)).toEqual([
			`Step "Approval" of ${req.reference} "Shift Supervisor" has waited 30 hours for your decision.`,
			`Step "Approval" of ${req.reference} "Shift Supervisor" has waited 30 hours for your decision.`
		]);
		// …but not for an approval that was decided meanwhile.
		await rt.db.update(approvals).set({ status: 'approved' }).where(eq(approvals.id, mine.id));
		await rt.db
			.update(approvals)
			.set({ lastRemindedAt: sql`now() - interval '25 hours'` })
			.where(eq(approvals.id, mine.id));
		expect((await runReminderJob('day-3')).reminded).toBe(0);
	});

	it('uses APPROVAL_REMINDER_HOURS: with the default 48 hours a 30-hour wait is not reminded, a 3-day wait is', async () => {
		const defaults = { ...rt, config: { ...rt.config, APPROVAL_REMINDER_HOURS: 48 } };
		const recent = await waitingSince('Dock Worker', 30);
		const old = await waitingSince('Fleet Manager', 72);
		const result = await approvalRemindersJob.perform({}, contextFor(defaults));
		expect(result.reminded).toBe(2);
		expect(await remindersOf(approver.id, recent.id)).toHaveLength(0);
		const [reminder] = await remindersOf(approver.id, old.id);
		expect(reminder.body).toBe(
			`Step "Approval" of ${old.reference} "Fleet Manager" has waited 3 days for your decision.`
		);
	});
});
