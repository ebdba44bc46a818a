import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
	apiClient,
	openEvents,
	startProcess,
	startSmtpServer,
	waitFor,
	type ReceivedMail,
	type RunningProcess
} from '../helpers/app';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { BACKENDS } from '../helpers/env';
import { decodedSubject, mimeParts } from '../helpers/mail';
import { createUser, registerAdmin } from '../helpers/org';

type Client = ReturnType<typeof apiClient>;
type Person = { api: Client; id: string; email: string };

const ORIGIN = 'http://hire.example.test';

/**
 * Notifications of the approval loop, seen from outside the built app: the in-app list and its
 * unread count, the live event stream, and the e-mail copy each kind produces, received by a real
 * SMTP server — rendered from templates (subject, HTML and text), honouring each user's choice.
 */
describe.each(BACKENDS)('notifications and their e-mails on %s', (backend) => {
	let app: RunningProcess;
	let database: TestDatabase | undefined;
	let smtp: Awaited<ReturnType<typeof startSmtpServer>>;
	let admin: { api: Client; id: string };
	let hm: Person;
	let amir: Person;
	let bea: Person;
	let rita: Person;
	let rolf: Person;
	let sales: string;

	beforeAll(async () => {
		smtp = await startSmtpServer();
		const env: Record<string, string> = { SMTP_URL: smtp.url, ORIGIN };
		if (backend === 'postgres') {
			database = await createTestDatabase('postgres');
			env.DATABASE_URL = database.url as string;
		}
		app = await startProcess({ env });
		admin = await registerAdmin(app.url);
		hm = await createUser(app.url, admin.api, 'hiring_manager', 'Hanna Manager');
		// The default workflow asks any user with the approver role: these two.
		amir = await createUser(app.url, admin.api, 'approver', 'Amir Approver');
		bea = await createUser(app.url, admin.api, 'approver', 'Bea Approver');
		rita = await createUser(app.url, admin.api, 'recruiter', 'Rita Recruiter');
		rolf = await createUser(app.url, admin.api, 'recruiter', 'Rolf Recruiter');
		const dept = await admin.api.post('/departments', { name: 'Sales' });
		expect(dept.status).toBe(201);
		sales = dept.body.data.id;
	});

	afterAll(async () => {
		await app?.stop();
		await smtp?.close();
		await database?.close();
	});

	async function submitted(title: string) {
		const created = await hm.api.post('/requirements', {
			title,
			department_id: sales,
			headcount: 1,
			employment_type: 'full_time',
			location_city: 'Lyon',
			location_country: 'FR',
			remote_policy: 'onsite',
			salary_min: 50000,
			salary_max: 60000,
			currency: 'EUR'
		});
		expect(created.status, JSON.stringify(created.body)).toBe(201);
		const res = await hm.api.post(`/requirements/${created.body.data.id}/submit`, {});
		expect(res.status, JSON.stringify(res.body)).toBe(200);
		return res.body.data as { id: string; reference: string; title: string };
	}

	async function approvalOf(who: Person, requirementId: string): Promise<string> {
		const res = await who.api.get('/approvals/pending');
		const found = (res.body.data.items as Array<{ id: string; subject_id: string }>).find(
			(a) => a.subject_id === requirementId
		);
		expect(found, `a pending approval of ${requirementId} for ${who.email}`).toBeTruthy();
		return found!.id;
	}

	const mailTo = (email: string, subject: string) =>
		waitFor(() => smtp.messages.find((m) => m.to.includes(email) && decodedSubject(m) === subject), {
			message: `an e-mail "${subject}" to ${email}`
		});

	const mailsTo = (email: string, pattern: RegExp) =>
		smtp.messages.filter((m) => m.to.includes(email) && pattern.test(decodedSubject(m)));

	/** Both parts of a notification e-mail: greeting, body, link to the record, preferences link. */
	function expectRendered(mail: ReceivedMail, o: { name: string; body: string; link: string; title: string }) {
		expect(mail.from).toBe('no-reply@hire.example.test');
		const parts = mimeParts(mail.raw);
		expect(Object.keys(parts).sort()).toEqual(['text/html', 'text/plain']);
		const text = parts['text/plain'];
		expect(text).toContain(`Hello ${o.name},`);
		expect(text).toContain(o.body);
		expect(text).toContain(`Open in Hiring Hare: ${o.link}`);
		expect(text).toContain(`Change which e-mails you receive: ${ORIGIN}/account`);
		const html = parts['text/html'];
		const escape = (s: string) =>
			s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
		expect(html).toMatch(/^<!doctype html>/i);
		expect(html).toContain(`<h1 style="font-size:20px;margin:0 0 16px">${escape(o.title)}</h1>`);
		expect(html).toContain(`<p>Hello ${escape(o.name)},</p>`);
		expect(html).toContain(`<p>${escape(o.body)}</p>`);
		expect(html).toContain(`<a href="${escape(o.link)}"`);
		expect(html).toContain(`${ORIGIN}/account`);
	}

	it('e-mails the step-1 approvers "Approval needed"; someone who turned that kind off gets the in-app notification only', async () => {
		const off = await bea.api.patch(`/users/${bea.id}`, { email_preferences: { approval_needed: false } });
		expect(off.status, JSON.stringify(off.body)).toBe(200);
		expect(off.body.data.email_preferences).toEqual({ approval_needed: false });

		const req = await submitted('Account Executive');
		const link = `${ORIGIN}/requirements/${req.id}`;
		const mail = await mailTo(amir.email, 'Approval needed: Account Executive');
		expect(mail.to).toEqual([amir.email]);
		expectRendered(mail, {
			name: 'Amir Approver',
			title: 'Approval needed: Account Executive',
			body: 'Step "Approval" of the requirement "Account Executive" waits for your decision.',
			link
		});

		// Bea is told in the app…
		const beaNotes = await bea.api.get('/notifications');
		expect(
			beaNotes.body.data.items.filter(
				(n: { kind: string; subject_id: string }) => n.kind === 'approval_needed' && n.subject_id === req.id
			)
		).toHaveLength(1);
		// …and on Postgres we can see that no e-mail job was even queued for her notification.
		if (database) {
			const [beaNote] = beaNotes.body.data.items as Array<{ id: string }>;
			const client = new pg.Client({ connectionString: database.url });
			await client.connect();
			try {
				const { rows } = await client.query('select count(*)::int as n from jobs where dedupe_key = $1', [
					`notification-email:${beaNote.id}`
				]);
				expect(rows[0].n).toBe(0);
			} finally {
				await client.end();
			}
		}
		// Turned back on, the next one reaches her; the earlier one never did.
		const on = await bea.api.patch(`/users/${bea.id}`, { email_preferences: { approval_needed: true } });
		expect(on.status).toBe(200);
		await submitted('Sales Engineer');
		await mailTo(bea.email, 'Approval needed: Sales Engineer');
		expect(mailsTo(bea.email, /^Approval needed/).map(decodedSubject)).toEqual(['Approval needed: Sales Engineer']);
		expect(
			mailsTo(amir.email, /^Approval needed/)
				.map(decodedSubject)
				.sort()
		).toEqual(['Approval needed: Account Executive', 'Approval needed: Sales Engineer']);
	});

	it('e-mails the manager when approved, and the recruiters when the requirement opens', async () => {
		const req = await submitted('Key Account Manager');
		const approved = await amir.api.post(`/approvals/${await approvalOf(amir, req.id)}/approve`, {});
		expect(approved.status).toBe(200);
		expect(approved.body.data.outcome).toBe('approved');
		const mail = await mailTo(hm.email, 'Approved: Key Account Manager');
		expectRendered(mail, {
			name: 'Hanna Manager',
			title: 'Approved: Key Account Manager',
			body: `${req.reference} "Key Account Manager" passed every approval step.`,
			link: `${ORIGIN}/requirements/${req.id}`
		});

		const opened = await hm.api.post(`/requirements/${req.id}/open`, {});
		expect(opened.status, JSON.stringify(opened.body)).toBe(200);
		for (const [recruiter, name] of [
			[rita, 'Rita Recruiter'],
			[rolf, 'Rolf Recruiter']
		] as const) {
			const note = await mailTo(recruiter.email, 'Now recruiting: Key Account Manager');
			expect(note.to).toEqual([recruiter.email]);
			expectRendered(note, {
				name,
				title: 'Now recruiting: Key Account Manager',
				body: `${req.reference} "Key Account Manager" is open for recruiting (1 to hire).`,
				link: `${ORIGIN}/requirements/${req.id}`
			});
		}
		// Only recruiters are told that a requirement opened.
		expect(smtp.messages.filter((m) => decodedSubject(m) === 'Now recruiting: Key Account Manager')).toHaveLength(2);
	});

	it('e-mails the manager a rejection with the comment, escaped in the HTML part', async () => {
		const req = await submitted('Inside Sales Rep');
		const comment = 'Budget <b>frozen</b> & hiring paused';
		const res = await bea.api.post(`/approvals/${await approvalOf(bea, req.id)}/reject`, { comment });
		expect(res.status).toBe(200);
		const mail = await mailTo(hm.email, 'Rejected: Inside Sales Rep');
		expectRendered(mail, {
			name: 'Hanna Manager',
			title: 'Rejected: Inside Sales Rep',
			body: `${req.reference} "Inside Sales Rep" was rejected: ${comment}`,
			link: `${ORIGIN}/requirements/${req.id}`
		});
		expect(mimeParts(mail.raw)['text/html']).not.toContain('<b>frozen</b>');
	});

	it('e-mails the submitter when an approver asks for more information', async () => {
		const req = await submitted('Sales Director');
		const res = await amir.api.post(`/approvals/${await approvalOf(amir, req.id)}/request-info`, {
			comment: 'Which region?'
		});
		expect(res.status).toBe(200);
		const mail = await mailTo(hm.email, 'More information needed: Sales Director');
		expectRendered(mail, {
			name: 'Hanna Manager',
			title: 'More information needed: Sales Director',
			body: 'An approver asks for more information about "Sales Director": Which region? Edit it and submit it again.',
			link: `${ORIGIN}/requirements/${req.id}`
		});
	});

	it('lists notifications newest first with the unread count; marks some, then all, read — only the caller’s own', async () => {
		const before = await amir.api.get('/notifications?page_size=2');
		expect(before.status).toBe(200);
		const total = before.body.data.pagination.total_items as number;
		expect(total).toBeGreaterThanOrEqual(4);
		expect(before.body.data.items).toHaveLength(2);
		expect(before.body.data.pagination).toEqual({
			page: 1,
			page_size: 2,
			total_items: total,
			total_pages: Math.ceil(total / 2)
		});
		expect(before.body.data.unread_count).toBe(total);
		const all = (await amir.api.get('/notifications?page_size=100')).body.data.items as Array<{
			id: string;
			kind: string;
			title: string;
			link: string;
			read_at: string | null;
			created_at: string;
		}>;
		const times = all.map((n) => Date.parse(n.created_at));
		expect(times).toEqual([...times].sort((a, b) => b - a));
		expect(all[0]).toMatchObject({ kind: 'approval_needed', read_at: null });
		expect(all[0].link).toMatch(/^\/requirements\/[0-9a-f-]{36}$/);

		// Another user cannot mark Amir's notifications read.
		const foreign = await bea.api.post('/notifications/read', { ids: [all[0].id, all[1].id] });
		expect(foreign.status).toBe(200);
		expect((await amir.api.get('/notifications')).body.data.unread_count).toBe(total);

		const one = await amir.api.post(`/notifications/${all[0].id}/read`, {});
		expect(one.status).toBe(200);
		expect(one.body.data.unread_count).toBe(total - 1);
		const two = await amir.api.post('/notifications/read', { ids: [all[0].id, all[1].id, all[2].id] });
		expect(two.body.data.unread_count).toBe(total - 3);
		const unread = await amir.api.get('/notifications?unread=true&page_size=100');
		expect(unread.body.data.items.map((n: { id: string }) => n.id)).toEqual(all.slice(3).map((n) => n.id));
		const read = (await amir.api.get('/notifications?page_size=100')).body.data.items[0];
		expect(read.read_at).toEqual(expect.any(String));

		const everything = await amir.api.post('/notifications/read', { all: true });
		expect(everything.body.data.unread_count).toBe(0);
		expect((await amir.api.get('/notifications')).body.data.unread_count).toBe(0);

		expect((await amir.api.post('/notifications/read', { ids: [] })).status).toBe(422);
		expect((await amir.api.post('/notifications/read', {})).status).toBe(422);
		expect((await apiClient(app.url).get('/notifications')).status).toBe(401);
	});

	it('streams notification.created to the approver the moment a requirement is submitted, and to nobody else', async () => {
		const approverToken = (
			await apiClient(app.url).post('/auth/login', { email: amir.email, password: 'a long test password' })
		).body.data.token as string;
		const bystanderToken = (
			await apiClient(app.url).post('/auth/login', { email: rita.email, password: 'a long test password' })
		).body.data.token as string;
		const approverEvents = await openEvents(app.url, approverToken);
		const bystanderEvents = await openEvents(app.url, bystanderToken);
		try {
			await approverEvents.next((e) => e.event === 'ready');
			await bystanderEvents.next((e) => e.event === 'ready');
			const req = await submitted('Customer Success Lead');
			const event = await approverEvents.next(
				(e) => e.event === 'notification.created' && e.data.notification.subject_id === req.id
			);
			expect(event.data.notification).toMatchObject({
				kind: 'approval_needed',
				title: 'Approval needed: Customer Success Lead',
				link: `/requirements/${req.id}`,
				subject_type: 'requirement',
				read_at: null
			});
			const listed = await amir.api.get('/notifications');
			expect(event.data.unread).toBe(listed.body.data.unread_count);
			expect(listed.body.data.items[0].id).toBe(event.data.notification.id);

			// The bystander's stream is alive (it gets its own event) but never saw the approver's.
			await rita.api.post('/notifications/read', { all: true });
			await bystanderEvents.next((e) => e.event === 'notification.read');
			expect(bystanderEvents.events.filter((e) => e.event === 'notification.created')).toEqual([]);
		} finally {
			await approverEvents.close();
			await bystanderEvents.close();
		}
	});
});
