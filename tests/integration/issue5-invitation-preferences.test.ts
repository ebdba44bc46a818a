import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSmtpServer, waitFor } from '../helpers/app';
import { BACKENDS } from '../helpers/env';
import {
	addApplication,
	createCandidate,
	createMember,
	createOrg,
	openRequirement,
	sql,
	startApp,
	type Member,
	type Org,
	type RunningApp
} from '../helpers/hiring';
import { calendarMails } from '../helpers/interviews';
import { decodedSubject } from '../helpers/mail';

/**
 * Interview invitations honour each panelist's e-mail preference for `interview_scheduled`
 * (issue 5 part 2): invitations, changes, removals from the panel and cancellations reach by
 * e-mail only those who did not turn that kind off, every panelist still gets the in-app
 * notification, and the calendar e-mail is the only e-mail (no generic copy beside it). Mail is
 * received by a real SMTP server; calendars are parsed with ical.js.
 */
describe.each(BACKENDS)('interview e-mails and notification preferences on %s', (backend) => {
	let smtp: Awaited<ReturnType<typeof startSmtpServer>>;
	let running: RunningApp;
	let org: Org;
	let bo: Member;
	let cy: Member;
	let requirementId: string;

	beforeAll(async () => {
		smtp = await startSmtpServer();
		running = await startApp(backend, { SMTP_URL: smtp.url });
		org = await createOrg(running);
		bo = await createMember(running, 'interviewer', 'Bo Panel');
		cy = await createMember(running, 'interviewer', 'Cy Quiet');
		requirementId = (await openRequirement(org, 'Data Engineer')).id;
	});

	afterAll(async () => {
		await running?.close();
		await smtp?.close();
	});

	async function setInterviewEmails(who: Member, on: boolean) {
		const res = await who.api.patch(`/users/${who.id}`, { email_preferences: { interview_scheduled: on } });
		expect(res.status, JSON.stringify(res.body)).toBe(200);
		expect(res.body.data.email_preferences).toMatchObject({ interview_scheduled: on });
	}

	/** The caller's in-app notifications about one interview, oldest first. */
	async function interviewNotices(who: Member, interviewId: string) {
		const res = await who.api.get('/notifications');
		expect(res.status).toBe(200);
		return (res.body.data.items as Array<{ kind: string; subject_id: string; title: string; link: string }>)
			.filter((n) => n.subject_id === interviewId)
			.reverse();
	}

	/** Every e-mail a mailbox received, calendar or not. */
	const mailsTo = (email: string) => smtp.messages.filter((m) => m.to.includes(email));

	async function waitForCalendarMail(email: string, uid: string, sequence: number, method: 'REQUEST' | 'CANCEL') {
		const found = await waitFor(
			() => calendarMails(smtp.messages, email, uid).find((m) => m.event.sequence === sequence),
			{ timeoutMs: 30_000, message: `${method} ${sequence} to ${email}` }
		);
		expect(found.calendar.method).toBe(method);
		return found;
	}

	it('e-mails invitations, changes and cancellations only to panelists who want them; everyone is told in the app', async () => {
		await setInterviewEmails(cy, false);
		const candidate = await createCandidate(org.recruiter, { name: 'Iris Invite' });
		const application = await addApplication(org.recruiter, requirementId, candidate.id);

		// 1. Scheduled with Bo (e-mails on, the default) and Cy (turned off).
		const scheduled = await org.recruiter.api.post('/interviews', {
			application_id: application.id,
			type: 'technical',
			starts_at: '2027-05-04T10:00:00+02:00',
			ends_at: '2027-05-04T11:00:00+02:00',
			time_zone: 'Europe/Berlin',
			panel: [{ user_id: bo.id, is_lead: true }, { user_id: cy.id }]
		});
		expect(scheduled.status, JSON.stringify(scheduled.body)).toBe(201);
		const interview = scheduled.body.data.interview as { id: string; ical_uid: string; version: number };
		const uid = interview.ical_uid;
		await waitForCalendarMail(bo.email, uid, 0, 'REQUEST');
		for (const who of [bo, cy]) {
			expect(await interviewNotices(who, interview.id)).toEqual([
				expect.objectContaining({
					kind: 'interview_scheduled',
					title: 'Interview scheduled: Iris Invite',
					link: `/interviews/${interview.id}`
				})
			]);
		}

		// 2. Rescheduled: Bo gets the update (SEQUENCE 1); Cy only the in-app notice.
		const moved = await org.recruiter.api.patch(`/interviews/${interview.id}`, {
			starts_at: '2027-05-05T10:00:00+02:00',
			ends_at: '2027-05-05T11:00:00+02:00',
			version: interview.version
		});
		expect(moved.status, JSON.stringify(moved.body)).toBe(200);
		await waitForCalendarMail(bo.email, uid, 1, 'REQUEST');
		expect((await interviewNotices(cy, interview.id)).map((n) => n.title)).toEqual([
			'Interview scheduled: Iris Invite',
			'Interview changed: Iris Invite'
		]);

		// 3. Cy turns interview e-mails on, Bo off; Bo is taken off the panel: Cy gets the
		//    invitation (SEQUENCE 2), Bo no cancellation by e-mail — only the notice.
		await setInterviewEmails(cy, true);
		await setInterviewEmails(bo, false);
		const swapped = await org.recruiter.api.patch(`/interviews/${interview.id}`, {
			panel: [{ user_id: cy.id, is_lead: true }],
			version: moved.body.data.interview.version
		});
		expect(swapped.status, JSON.stringify(swapped.body)).toBe(200);
		await waitForCalendarMail(cy.email, uid, 2, 'REQUEST');
		expect((await interviewNotices(bo, interview.id)).map((n) => n.title)).toEqual([
			'Interview scheduled: Iris Invite',
			'Interview changed: Iris Invite',
			'Taken off an interview panel: Iris Invite'
		]);

		// 4. Cancelled: Cy (on the panel, e-mails on) gets METHOD:CANCEL with SEQUENCE 3.
		const cancelled = await org.recruiter.api.post(`/interviews/${interview.id}/cancel`, {});
		expect(cancelled.status, JSON.stringify(cancelled.body)).toBe(200);
		await waitForCalendarMail(cy.email, uid, 3, 'CANCEL');
		expect((await interviewNotices(cy, interview.id)).map((n) => n.title)).toEqual([
			'Interview scheduled: Iris Invite',
			'Interview changed: Iris Invite',
			'Interview changed: Iris Invite',
			'Interview cancelled: Iris Invite'
		]);

		// Jobs run in order, and the last one has been sent: nothing else is on its way. Each
		// mailbox got exactly the calendar e-mails its owner wanted, and no other e-mail (besides
		// the welcome e-mail of the account).
		expect(calendarMails(smtp.messages, bo.email, uid).map((m) => [m.calendar.method, m.event.sequence])).toEqual([
			['REQUEST', 0],
			['REQUEST', 1]
		]);
		expect(calendarMails(smtp.messages, cy.email, uid).map((m) => [m.calendar.method, m.event.sequence])).toEqual([
			['REQUEST', 2],
			['CANCEL', 3]
		]);
		const subject = 'Technical interview: Iris Invite (Data Engineer)';
		expect(mailsTo(bo.email).map(decodedSubject)).toEqual([
			'Your Hiring Hare account is ready',
			subject,
			`Updated: ${subject}`
		]);
		expect(mailsTo(cy.email).map(decodedSubject)).toEqual([
			'Your Hiring Hare account is ready',
			`Updated: ${subject}`,
			`Cancelled: ${subject}`
		]);

		// On Postgres, behind the API: no e-mail job was even queued for a panelist who had it off,
		// and no generic notification e-mail for any of these notices.
		const jobs = await sql<{ dedupe_key: string }>(
			running.database,
			"select dedupe_key from jobs where dedupe_key like 'invite:' || $1 || ':%' order by dedupe_key",
			[interview.id]
		);
		if (jobs) {
			expect(jobs.map((j) => j.dedupe_key)).toEqual(
				[`0:REQUEST:${bo.id}`, `1:REQUEST:${bo.id}`, `2:REQUEST:${cy.id}`, `3:CANCEL:${cy.id}`]
					.map((k) => `invite:${interview.id}:${k}`)
					.sort()
			);
			const generic = await sql<{ n: number }>(
				running.database,
				"select count(*)::int as n from jobs j join notifications n on j.dedupe_key = 'notification-email:' || n.id where n.subject_id = $1",
				[interview.id]
			);
			expect(generic?.[0].n).toBe(0);
		}
	});

	it('still e-mails the invited candidate whatever the panel chose', async () => {
		await setInterviewEmails(bo, false);
		const email = 'cleo.candidate@example.net';
		const candidate = await createCandidate(org.recruiter, { name: 'Cleo Candidate', emails: [email] });
		const application = await addApplication(org.recruiter, requirementId, candidate.id);
		const scheduled = await org.recruiter.api.post('/interviews', {
			application_id: application.id,
			type: 'phone_screen',
			starts_at: '2027-05-06T09:00:00Z',
			ends_at: '2027-05-06T09:30:00Z',
			time_zone: 'UTC',
			invite_candidate: true,
			panel: [{ user_id: bo.id }]
		});
		expect(scheduled.status, JSON.stringify(scheduled.body)).toBe(201);
		const { id, ical_uid: uid } = scheduled.body.data.interview as { id: string; ical_uid: string };
		await waitForCalendarMail(email, uid, 0, 'REQUEST');
		expect(await interviewNotices(bo, id)).toEqual([
			expect.objectContaining({ kind: 'interview_scheduled', title: 'Interview scheduled: Cleo Candidate' })
		]);
		expect(calendarMails(smtp.messages, bo.email, uid)).toEqual([]);
	});
});
