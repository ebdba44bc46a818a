import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSmtpServer, waitFor } from '../helpers/app';
import { BACKENDS } from '../helpers/env';
import {
	addApplication,
	createCandidate,
	createMember,
	createOrg,
	getRaw,
	openRequirement,
	postForm,
	type Member,
	type Org,
	type RunningApp,
	startApp
} from '../helpers/hiring';
import { minimalPdf } from '../helpers/fixtures';
import { calendarMails, onlyEvent, parseCalendar } from '../helpers/interviews';

/**
 * Interviews over the API of the built app (issue 5): scheduling with conflict warnings,
 * reschedule / complete / cancel and who may do what; the calendar side — invite.ics and the
 * invitations e-mailed to a real SMTP server, parsed with ical.js (UID, SEQUENCE, METHOD and the
 * instant through the file's own VTIMEZONE, DST edges included), cancellations for people taken
 * off the panel, and the private, revocable calendar feed.
 */
describe.each(BACKENDS)('interviews and calendars on %s', (backend) => {
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
		cy = await createMember(running, 'interviewer', 'Cy Panel');
		requirementId = (await openRequirement(org, 'Platform Engineer')).id;
	});

	afterAll(async () => {
		await running?.close();
		await smtp?.close();
	});

	async function application(name: string, email?: string) {
		const candidate = await createCandidate(org.recruiter, { name, ...(email ? { emails: [email] } : {}) });
		return addApplication(org.recruiter, requirementId, candidate.id);
	}

	async function schedule(body: Record<string, unknown>, who = org.recruiter) {
		return who.api.post('/interviews', body);
	}

	async function getIcs(who: Member, id: string) {
		const response = await fetch(`${running.url}/api/v1/interviews/${id}/invite.ics`, {
			headers: { authorization: `Bearer ${who.token}` }
		});
		return { status: response.status, type: response.headers.get('content-type'), text: await response.text() };
	}

	it('schedules with a lead, warns about a panelist booked at an overlapping time, and lets only the right people act', async () => {
		const first = await application('Ada First');
		const second = await application('Ben Second');

		const scheduled = await schedule({
			application_id: first.id,
			type: 'technical',
			starts_at: '2027-06-01T10:00:00+02:00',
			ends_at: '2027-06-01T11:00:00+02:00',
			time_zone: 'Europe/Berlin',
			video_link: 'https://meet.example.com/abc',
			panel: [{ user_id: bo.id }, { user_id: org.interviewer.id, is_lead: true }]
		});
		expect(scheduled.status, JSON.stringify(scheduled.body)).toBe(201);
		const interview = scheduled.body.data.interview;
		expect(scheduled.body.data.conflicts).toEqual([]);
		expect(scheduled.body.message).toBe('Interview scheduled');
		expect(interview).toMatchObject({
			status: 'scheduled',
			type: 'technical',
			time_zone: 'Europe/Berlin',
			starts_at: '2027-06-01T08:00:00.000Z',
			ends_at: '2027-06-01T09:00:00.000Z',
			ical_uid: `${interview.id}@hiring-hare`,
			ical_sequence: 0,
			template_name: 'General interview'
		});
		const lead = (interview.panel as Array<{ user_id: string; is_lead: boolean }>).filter((p) => p.is_lead);
		expect(lead.map((p) => p.user_id)).toEqual([org.interviewer.id]);
		expect(interview.panel).toHaveLength(2);

		// Bo is already in the first interview from 10:00 to 11:00; 10:30 overlaps.
		const overlapping = await schedule({
			application_id: second.id,
			type: 'culture',
			starts_at: '2027-06-01T10:30:00+02:00',
			ends_at: '2027-06-01T11:30:00+02:00',
			time_zone: 'Europe/Berlin',
			location: 'Room 4',
			panel: [{ user_id: bo.id, is_lead: true }, { user_id: cy.id }]
		});
		expect(overlapping.status, JSON.stringify(overlapping.body)).toBe(201);
		expect(overlapping.body.message).toBe('Scheduled — some panelists have another interview at that time');
		expect(overlapping.body.data.conflicts).toEqual([
			expect.objectContaining({ user_id: bo.id, name: 'Bo Panel', interview_id: interview.id })
		]);
		expect(overlapping.body.data.interview.status).toBe('scheduled');
		// Back to back (ends when the other starts) is not a conflict.
		const adjacent = await schedule({
			application_id: second.id,
			type: 'final',
			starts_at: '2027-06-01T09:00:00+02:00',
			ends_at: '2027-06-01T10:00:00+02:00',
			time_zone: 'Europe/Berlin',
			panel: [{ user_id: org.interviewer.id }]
		});
		expect(adjacent.status, JSON.stringify(adjacent.body)).toBe(201);
		expect(adjacent.body.data.conflicts).toEqual([]);

		// Who may do what.
		const byInterviewer = await schedule(
			{
				application_id: first.id,
				type: 'technical',
				starts_at: '2027-06-02T10:00:00Z',
				ends_at: '2027-06-02T11:00:00Z',
				time_zone: 'UTC',
				panel: [{ user_id: bo.id }]
			},
			org.interviewer
		);
		expect(byInterviewer.status).toBe(403);
		expect((await cy.api.get(`/interviews/${interview.id}`)).status).toBe(403);
		expect((await org.viewer.api.get(`/interviews/${interview.id}`)).status).toBe(403);
		expect((await bo.api.get(`/interviews/${interview.id}`)).status).toBe(200);
		// The hiring manager of the requirement reads it, and finds it in the list.
		expect((await org.manager.api.get(`/interviews/${interview.id}`)).status).toBe(200);
		const managerList = await org.manager.api.get(`/interviews?requirement_id=${requirementId}`);
		expect(managerList.status).toBe(200);
		expect((managerList.body.data.items as Array<{ id: string }>).map((i) => i.id)).toContain(interview.id);
		// An interviewer's list holds their panels only.
		const cyList = await cy.api.get('/interviews');
		expect((cyList.body.data.items as Array<{ id: string }>).map((i) => i.id)).toEqual([
			overlapping.body.data.interview.id
		]);

		// Bad input is 422 with the field, never a 500.
		const invalid = await schedule({
			application_id: first.id,
			type: 'technical',
			starts_at: '2027-06-02T10:00:00Z',
			ends_at: '2027-06-02T11:00:00Z',
			time_zone: 'Mars/Olympus',
			panel: [
				{ user_id: bo.id, is_lead: true },
				{ user_id: cy.id, is_lead: true }
			]
		});
		expect(invalid.status).toBe(422);
		const fields = (invalid.body.error.details as Array<{ field: string }>).map((d) => d.field);
		expect(fields).toEqual(expect.arrayContaining(['time_zone', 'panel']));
		const backwards = await schedule({
			application_id: first.id,
			type: 'technical',
			starts_at: '2027-06-02T11:00:00Z',
			ends_at: '2027-06-02T10:00:00Z',
			time_zone: 'UTC',
			panel: [{ user_id: bo.id }]
		});
		expect(backwards.status).toBe(422);
		expect(backwards.body.error.details).toEqual([
			{ field: 'ends_at', message: 'The interview must end after it starts' }
		]);

		// Reschedule: version-checked, SEQUENCE up, UID kept; the conflict follows the new time.
		const stale = await org.recruiter.api.patch(`/interviews/${interview.id}`, {
			starts_at: '2027-06-01T10:45:00+02:00',
			ends_at: '2027-06-01T11:15:00+02:00',
			version: interview.version + 1
		});
		expect(stale.status).toBe(409);
		const moved = await org.recruiter.api.patch(`/interviews/${interview.id}`, {
			starts_at: '2027-06-01T14:00:00+02:00',
			ends_at: '2027-06-01T15:00:00+02:00',
			version: interview.version
		});
		expect(moved.status, JSON.stringify(moved.body)).toBe(200);
		expect(moved.body.data.conflicts).toEqual([]);
		expect(moved.body.data.interview).toMatchObject({
			ical_uid: interview.ical_uid,
			ical_sequence: 1,
			starts_at: '2027-06-01T12:00:00.000Z',
			version: interview.version + 1
		});
		expect((await bo.api.patch(`/interviews/${interview.id}`, { location: 'x', version: 2 })).status).toBe(403);

		// The lead completes it; another panelist may not; a completed one cannot be cancelled.
		expect((await bo.api.post(`/interviews/${interview.id}/complete`, {})).status).toBe(403);
		const completed = await org.interviewer.api.post(`/interviews/${interview.id}/complete`, {});
		expect(completed.status, JSON.stringify(completed.body)).toBe(200);
		expect(completed.body.data.status).toBe('completed');
		const cancelCompleted = await org.recruiter.api.post(`/interviews/${interview.id}/cancel`, {});
		expect(cancelCompleted.status).toBe(409);
		expect(cancelCompleted.body.error.code).toBe('INTERVIEW_CLOSED');

		// Cancelling is for recruiters, not for the lead.
		const other = overlapping.body.data.interview;
		expect((await bo.api.post(`/interviews/${other.id}/cancel`, {})).status).toBe(403);
		const cancelled = await org.recruiter.api.post(`/interviews/${other.id}/cancel`, {});
		expect(cancelled.status, JSON.stringify(cancelled.body)).toBe(200);
		expect(cancelled.body.data).toMatchObject({ status: 'cancelled', ical_sequence: 1 });
		// A cancelled interview is no longer anyone's conflict.
		const again = await schedule({
			application_id: first.id,
			type: 'onsite',
			starts_at: '2027-06-01T10:30:00+02:00',
			ends_at: '2027-06-01T11:00:00+02:00',
			time_zone: 'Europe/Berlin',
			panel: [{ user_id: cy.id }]
		});
		expect(again.status).toBe(201);
		expect(again.body.data.conflicts).toEqual([]);
	});

	it('e-mails ical.js-readable invitations with a stable UID and rising SEQUENCE, cancels for removed panelists, and serves invite.ics', async () => {
		const candidateEmail = 'cara.calendar@example.net';
		const app = await application('Cara Calendar', candidateEmail);
		const scheduled = await schedule({
			application_id: app.id,
			type: 'onsite',
			starts_at: '2027-09-14T09:30:00-04:00',
			ends_at: '2027-09-14T11:00:00-04:00',
			time_zone: 'America/New_York',
			location: 'HQ, Floor 3; Room "Oak"',
			panel: [{ user_id: org.interviewer.id, is_lead: true }, { user_id: bo.id }],
			invite_candidate: true
		});
		expect(scheduled.status, JSON.stringify(scheduled.body)).toBe(201);
		const interview = scheduled.body.data.interview;
		const uid = `${interview.id}@hiring-hare`;
		const start = new Date('2027-09-14T13:30:00Z');
		const end = new Date('2027-09-14T15:00:00Z');

		// invite.ics: REQUEST, SEQUENCE 0, the instant through its own America/New_York VTIMEZONE.
		const ics = await getIcs(bo, interview.id);
		expect(ics.status).toBe(200);
		expect(ics.type).toMatch(/^text\/calendar/);
		const parsed = parseCalendar(ics.text);
		expect(parsed.method).toBe('REQUEST');
		expect(parsed.timezones).toEqual(['America/New_York']);
		const event = onlyEvent(parsed);
		expect(event).toMatchObject({ uid, sequence: 0, status: 'CONFIRMED', startZone: 'America/New_York' });
		expect(event.start.getTime()).toBe(start.getTime());
		expect(event.end.getTime()).toBe(end.getTime());
		expect(event.attendees).toEqual(
			expect.arrayContaining([org.interviewer.email, bo.email, candidateEmail].map((e) => e.toLowerCase()))
		);
		expect((await getIcs(cy, interview.id)).status).toBe(403);

		// Each panelist and the candidate got the same invitation by e-mail.
		for (const email of [org.interviewer.email, bo.email, candidateEmail]) {
			const [mail] = await waitFor(() => {
				const found = calendarMails(smtp.messages, email, uid);
				return found.length ? found : null;
			});
			expect(mail.calendar.method).toBe('REQUEST');
			expect(mail.event).toMatchObject({ uid, sequence: 0 });
			expect(mail.event.start.getTime()).toBe(start.getTime());
			expect(mail.mail.raw).toMatch(/Content-Type: text\/calendar; charset=utf-8; method=REQUEST/i);
		}

		// Rescheduled, Bo swapped for Cy: the rest get REQUEST with SEQUENCE 1, Bo a CANCEL naming him.
		const moved = await org.recruiter.api.patch(`/interviews/${interview.id}`, {
			starts_at: '2027-09-15T14:00:00-04:00',
			ends_at: '2027-09-15T15:00:00-04:00',
			panel: [{ user_id: org.interviewer.id, is_lead: true }, { user_id: cy.id }],
			version: interview.version
		});
		expect(moved.status, JSON.stringify(moved.body)).toBe(200);
		const movedStart = new Date('2027-09-15T18:00:00Z');
		for (const email of [org.interviewer.email, cy.email, candidateEmail]) {
			const mail = await waitFor(() => calendarMails(smtp.messages, email, uid).find((m) => m.event.sequence === 1));
			expect(mail.calendar.method).toBe('REQUEST');
			expect(mail.event.uid).toBe(uid);
			expect(mail.event.start.getTime()).toBe(movedStart.getTime());
		}
		const boCancel = await waitFor(() =>
			calendarMails(smtp.messages, bo.email, uid).find((m) => m.event.sequence === 1)
		);
		expect(boCancel.calendar.method).toBe('CANCEL');
		expect(boCancel.event.status).toBe('CANCELLED');
		expect(boCancel.event.attendees).toContain(bo.email.toLowerCase());
		expect((await getIcs(bo, interview.id)).status).toBe(403);

		// Cancelled: CANCEL with SEQUENCE 2 to everyone still on it, and invite.ics says so too.
		const cancelled = await org.recruiter.api.post(`/interviews/${interview.id}/cancel`, {});
		expect(cancelled.status).toBe(200);
		for (const email of [org.interviewer.email, cy.email, candidateEmail]) {
			const mail = await waitFor(() => calendarMails(smtp.messages, email, uid).find((m) => m.event.sequence === 2));
			expect(mail.calendar.method).toBe('CANCEL');
			expect(mail.event).toMatchObject({ uid, status: 'CANCELLED' });
		}
		const after = parseCalendar((await getIcs(cy, interview.id)).text);
		expect(after.method).toBe('CANCEL');
		expect(onlyEvent(after)).toMatchObject({ uid, sequence: 2, status: 'CANCELLED' });
		// Every message to one mailbox carries the same UID and SEQUENCE never goes down.
		const sequences = calendarMails(smtp.messages, org.interviewer.email, uid).map((m) => m.event.sequence);
		expect(sequences).toEqual([0, 1, 2]);
		// Bo got nothing after his cancellation.
		expect(calendarMails(smtp.messages, bo.email, uid).map((m) => m.calendar.method)).toEqual(['REQUEST', 'CANCEL']);
	});

	it('resolves the right instant across daylight-saving edges (spring gap, repeated autumn hour)', async () => {
		const app = await application('Dee Daylight');
		const cases = [
			// Berlin springs forward at 02:00 → 03:00 on 2027-03-28: starts before, ends after the jump.
			{ zone: 'Europe/Berlin', starts: '2027-03-28T01:30:00+01:00', ends: '2027-03-28T03:30:00+02:00' },
			// New York falls back at 02:00 → 01:00 on 2027-11-07: 01:30 happens twice; this is the first.
			{ zone: 'America/New_York', starts: '2027-11-07T01:30:00-04:00', ends: '2027-11-07T01:15:00-05:00' },
			// …and this the second.
			{ zone: 'America/New_York', starts: '2027-11-07T01:20:00-05:00', ends: '2027-11-07T01:50:00-05:00' },
			// A half-hour zone, and the southern hemisphere in summer time.
			{ zone: 'Asia/Kolkata', starts: '2027-01-05T17:30:00+05:30', ends: '2027-01-05T18:00:00+05:30' },
			{ zone: 'Australia/Sydney', starts: '2027-01-05T09:00:00+11:00', ends: '2027-01-05T10:00:00+11:00' }
		];
		for (const [index, c] of cases.entries()) {
			const res = await schedule({
				application_id: app.id,
				type: 'phone_screen',
				starts_at: c.starts,
				ends_at: c.ends,
				time_zone: c.zone,
				panel: [{ user_id: cy.id }]
			});
			expect(res.status, JSON.stringify(res.body)).toBe(201);
			const calendar = parseCalendar((await getIcs(cy, res.body.data.interview.id)).text);
			const event = onlyEvent(calendar);
			expect(event.start.toISOString(), `case ${index} start`).toBe(new Date(c.starts).toISOString());
			expect(event.end.toISOString(), `case ${index} end`).toBe(new Date(c.ends).toISOString());
			// Unambiguous local times are written in the interview's zone (with its VTIMEZONE).
			if (index !== 1 && index !== 2) expect(event.startZone).toBe(c.zone);
			expect(calendar.timezones).toEqual([c.zone]);
		}
	});

	it('serves a private feed of my interviews at /calendar/<token>.ics until it is replaced or revoked', async () => {
		// A panelist of these interviews only, so the feed's content is known exactly.
		const fern = await createMember(running, 'interviewer', 'Fern Feed');
		const app = await application('Fay Feed');
		const mine = await schedule({
			application_id: app.id,
			type: 'technical',
			starts_at: '2027-07-01T09:00:00Z',
			ends_at: '2027-07-01T10:00:00Z',
			time_zone: 'Europe/London',
			panel: [{ user_id: fern.id }]
		});
		const notMine = await schedule({
			application_id: app.id,
			type: 'culture',
			starts_at: '2027-07-02T09:00:00Z',
			ends_at: '2027-07-02T10:00:00Z',
			time_zone: 'Europe/London',
			panel: [{ user_id: bo.id }]
		});
		const cancelledOne = await schedule({
			application_id: app.id,
			type: 'final',
			starts_at: '2027-07-03T09:00:00Z',
			ends_at: '2027-07-03T10:00:00Z',
			time_zone: 'Asia/Tokyo',
			panel: [{ user_id: fern.id }]
		});
		expect((await org.recruiter.api.post(`/interviews/${cancelledOne.body.data.interview.id}/cancel`, {})).status).toBe(
			200
		);

		expect((await fern.api.get('/calendar/token')).body.data.active).toBe(false);
		const created = await fern.api.post('/calendar/token', {});
		expect(created.status, JSON.stringify(created.body)).toBe(201);
		const url: string = created.body.data.url;
		expect(url).toMatch(/\/calendar\/[a-z2-7]{32}\.ics$/);
		expect((await fern.api.get('/calendar/token')).body.data.active).toBe(true);
		const feedUrl = new URL(new URL(url).pathname, running.url).href;

		const feed = await fetch(feedUrl);
		expect(feed.status).toBe(200);
		expect(feed.headers.get('content-type')).toMatch(/^text\/calendar/);
		const calendar = parseCalendar(await feed.text());
		expect(calendar.method).toBe('PUBLISH');
		expect(calendar.timezones.sort()).toEqual(['Asia/Tokyo', 'Europe/London']);
		const byUid = new Map(calendar.events.map((e) => [e.uid, e]));
		const mineEvent = byUid.get(`${mine.body.data.interview.id}@hiring-hare`);
		expect(mineEvent?.start.toISOString()).toBe('2027-07-01T09:00:00.000Z');
		expect(mineEvent?.startZone).toBe('Europe/London');
		expect(byUid.get(`${cancelledOne.body.data.interview.id}@hiring-hare`)?.status).toBe('CANCELLED');
		expect(byUid.has(`${notMine.body.data.interview.id}@hiring-hare`)).toBe(false);
		for (const event of calendar.events) {
			const res = await fern.api.get(`/interviews/${event.uid.replace('@hiring-hare', '')}`);
			expect(res.status, 'every feed entry is one of my panels').toBe(200);
		}

		// A new URL replaces the old one; revoking ends the new one. Both then answer 404.
		const replaced = await fern.api.post('/calendar/token', {});
		const secondUrl = new URL(new URL(replaced.body.data.url as string).pathname, running.url).href;
		expect((await fetch(feedUrl)).status).toBe(404);
		expect((await fetch(secondUrl)).status).toBe(200);
		expect((await fern.api.delete('/calendar/token')).status).toBe(200);
		expect((await fetch(secondUrl)).status).toBe(404);
		expect((await fern.api.get('/calendar/token')).body.data.active).toBe(false);
		// Guessing is a 404 too, and a token cannot be used as a session.
		expect((await fetch(`${running.url}/calendar/${'a'.repeat(32)}.ics`)).status).toBe(404);
		expect((await fetch(`${running.url}/calendar/not-a-token.ics`)).status).toBe(404);
	});

	it("lets a panelist read the profile and CV of the candidate they interview, and no one else's", async () => {
		const pia = await createCandidate(org.recruiter, { name: 'Pia Panelled' });
		const olga = await createCandidate(org.recruiter, { name: 'Olga Other' });
		const mine = { ...(await addApplication(org.recruiter, requirementId, pia.id)), candidateId: pia.id };
		const other = { ...(await addApplication(org.recruiter, requirementId, olga.id)), candidateId: olga.id };
		for (const app of [mine, other]) {
			const upload = await postForm(running.url, org.recruiter.token, `/candidates/${app.candidateId}/resume`, {
				bytes: minimalPdf(`CV of ${app.candidateId}`),
				name: 'cv.pdf',
				type: 'application/pdf'
			});
			expect(upload.status, JSON.stringify(upload.body)).toBe(201);
		}
		// Before being on any panel of hers, Cy (an interviewer) may not read Pia.
		expect((await cy.api.get(`/candidates/${mine.candidateId}`)).status).toBe(403);
		const scheduled = await schedule({
			application_id: mine.id,
			type: 'culture',
			starts_at: '2027-09-01T10:00:00Z',
			ends_at: '2027-09-01T11:00:00Z',
			time_zone: 'UTC',
			location: 'Room 4',
			panel: [{ user_id: cy.id, is_lead: true }]
		});
		expect(scheduled.status, JSON.stringify(scheduled.body)).toBe(201);

		const profile = await cy.api.get(`/candidates/${mine.candidateId}`);
		expect(profile.status).toBe(200);
		expect(profile.body.data.name).toBe('Pia Panelled');
		const cv = await getRaw(running.url, cy.token, `/candidates/${mine.candidateId}/resume`);
		expect(cv.status).toBe(200);
		expect(cv.headers.get('content-type')).toContain('application/pdf');
		// Someone they do not interview stays closed, profile and CV alike.
		expect((await cy.api.get(`/candidates/${other.candidateId}`)).status).toBe(403);
		const otherCv = await getRaw(running.url, cy.token, `/candidates/${other.candidateId}/resume`);
		expect(otherCv.status).toBe(403);
	});

	it('gives recruiters the people directory to pick a panel from, and nobody else outside admins', async () => {
		const directory = await org.recruiter.api.get('/users/directory');
		expect(directory.status).toBe(200);
		const entries = directory.body.data.items as Array<Record<string, unknown>>;
		expect(entries.map((e) => e.name)).toEqual(expect.arrayContaining(['Bo Panel', 'Cy Panel']));
		// Names, e-mails and roles only.
		for (const entry of entries) expect(Object.keys(entry).sort()).toEqual(['email', 'id', 'name', 'role']);
		expect((await cy.api.get('/users/directory')).status).toBe(403);
		expect((await org.admin.api.get('/users/directory')).status).toBe(200);
	});
});
