import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
	apiClient,
	openEvents,
	parseMail,
	registerFirstAdmin,
	startProcess,
	startSmtpServer,
	waitFor,
	type RunningProcess
} from '../helpers/app';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { BACKENDS } from '../helpers/env';

const UNKNOWN_ID = '00000000-0000-4000-8000-000000000000';

/**
 * The job spine seen from outside, on the built embedded app: a new user's welcome e-mail is a
 * job whose progress reaches the creator's browser over server-sent events, whose row the API
 * shows to its creator and admins, and whose message a real SMTP server receives.
 */
describe.each(BACKENDS)('jobs through the API on %s', (backend) => {
	let app: RunningProcess;
	let database: TestDatabase | undefined;
	let smtp: Awaited<ReturnType<typeof startSmtpServer>>;
	let owner: Awaited<ReturnType<typeof registerFirstAdmin>>;

	beforeAll(async () => {
		smtp = await startSmtpServer();
		const env: Record<string, string> = { SMTP_URL: smtp.url, ORIGIN: 'http://hire.example.test' };
		if (backend === 'postgres') {
			database = await createTestDatabase('postgres');
			env.DATABASE_URL = database.url as string;
		}
		app = await startProcess({ env });
		owner = await registerFirstAdmin(app.url);
	});

	afterAll(async () => {
		await app?.stop();
		await smtp?.close();
		await database?.close();
	});

	async function signIn(email: string, role: string) {
		const password = 'a long password 1';
		expect((await owner.api.post('/users', { email, name: email.split('@')[0], password, role })).status).toBe(201);
		const login = await apiClient(app.url).post('/auth/login', { email, password });
		return {
			id: login.body.data.user.id as string,
			api: apiClient(app.url, login.body.data.token),
			token: login.body.data.token
		};
	}

	it('streams the welcome e-mail job live to its creator, from its start to its completion', async () => {
		const events = await openEvents(app.url, owner.token);
		try {
			expect(events.status).toBe(200);
			expect(events.headers.get('content-type')).toMatch(/^text\/event-stream/);
			expect(events.headers.get('cache-control')).toMatch(/no-cache/);
			await events.next((e) => e.event === 'ready');

			const created = await owner.api.post('/users', {
				email: 'welcome@example.com',
				name: 'Wendy Welcome',
				password: 'a long password 1',
				role: 'recruiter'
			});
			expect(created.status).toBe(201);

			const completed = await events.next((e) => e.event === 'job.updated' && e.data.job.status === 'completed');
			const jobId: string = completed.data.job.id;
			const updates = events.events
				.filter((e) => e.event === 'job.updated' && e.data.job.id === jobId)
				.map((e) => e.data.job as { status: string; progress: number; progress_message: string | null; kind: string });
			expect(updates.map((u) => [u.status, u.progress, u.progress_message])).toEqual([
				['running', 0, null],
				['running', 10, 'Preparing the message'],
				['running', 50, 'Sending'],
				['completed', 100, 'Sending']
			]);
			expect(updates[0].kind).toBe('email.send');
			expect(completed.data.job).toMatchObject({
				created_by: owner.user.id,
				attempts: 1,
				result: { to: 'welcome@example.com', transport: 'smtp', subject: 'Your Hiring Hare account is ready' }
			});

			// the message itself reached the SMTP server
			const mail = await waitFor(() => smtp.messages.find((m) => m.to.includes('welcome@example.com')));
			expect(mail.subject).toBe('Your Hiring Hare account is ready');
			expect(mail.from).toBe('no-reply@hire.example.test');
			expect(mail.text).toContain('Welcome, Wendy Welcome');
			expect(mail.text).toContain(
				'Olive Owner created a Hiring Hare account for you (welcome@example.com) with the role Recruiter.'
			);
			expect(mail.text).toContain('http://hire.example.test/login');
			expect(mail.raw).toMatch(/Content-Type: text\/html/i);
		} finally {
			await events.close();
		}
	});

	it('shows a job to its creator and to admins only', async () => {
		const events = await openEvents(app.url, owner.token);
		let jobId: string;
		try {
			await events.next((e) => e.event === 'ready');
			await owner.api.post('/users', {
				email: 'another@example.com',
				name: 'Another',
				password: 'a long password 1',
				role: 'viewer'
			});
			jobId = (await events.next((e) => e.event === 'job.updated' && e.data.job.status === 'completed')).data.job.id;
		} finally {
			await events.close();
		}
		const mine = await owner.api.get(`/jobs/${jobId}`);
		expect(mine.status).toBe(200);
		expect(mine.body).toEqual({
			success: true,
			data: {
				id: jobId,
				kind: 'email.send',
				status: 'completed',
				progress: 100,
				progress_message: 'Sending',
				result: expect.objectContaining({ to: 'another@example.com', transport: 'smtp' }),
				error: null,
				attempts: 1,
				max_attempts: 5,
				created_by: owner.user.id,
				created_at: expect.any(String),
				started_at: expect.any(String),
				finished_at: expect.any(String)
			},
			timestamp: expect.any(String)
		});
		const otherAdmin = await signIn('second.admin@example.com', 'admin');
		expect((await otherAdmin.api.get(`/jobs/${jobId}`)).status).toBe(200);
		const recruiter = await signIn('nosy@example.com', 'recruiter');
		const refused = await recruiter.api.get(`/jobs/${jobId}`);
		expect(refused.status).toBe(403);
		expect(refused.body).toMatchObject({ success: false, error: { code: 'FORBIDDEN' } });
		expect((await apiClient(app.url).get(`/jobs/${jobId}`)).status).toBe(401);
		expect((await owner.api.get(`/jobs/${UNKNOWN_ID}`)).status).toBe(404);
		expect((await owner.api.get('/jobs/not-a-uuid')).status).toBe(404);
	});

	it('does not stream one user\u2019s jobs to another, and ends a stream when its session ends', async () => {
		const bystander = await signIn('bystander@example.com', 'recruiter');
		const theirs = await openEvents(app.url, bystander.token);
		try {
			await theirs.next((e) => e.event === 'ready');
			await owner.api.post('/users', {
				email: 'private@example.com',
				name: 'Private',
				password: 'a long password 1',
				role: 'viewer'
			});
			await waitFor(() => smtp.messages.some((m) => m.to.includes('private@example.com')));
			expect(theirs.events.filter((e) => e.event === 'job.updated')).toEqual([]);

			expect((await bystander.api.post('/auth/logout')).status).toBe(200);
			await theirs.next((e) => e.event === 'session.ended');
			await waitFor(() => theirs.ended, { message: 'the stream to close' });
		} finally {
			await theirs.close();
		}
		expect((await apiClient(app.url).get('/events')).status).toBe(401);
	});

	it('counts open event streams and finished jobs in /metrics', async () => {
		const events = await openEvents(app.url, owner.token);
		try {
			await events.next((e) => e.event === 'ready');
			const text = await (await fetch(`${app.url}/metrics`)).text();
			expect(Number(/^event_streams_open (\d+)$/m.exec(text)?.[1])).toBeGreaterThanOrEqual(1);
			expect(
				Number(/^jobs_total\{kind="email.send",outcome="completed"\} (\d+)$/m.exec(text)?.[1])
			).toBeGreaterThanOrEqual(3);
			expect(Number(/^jobs_current\{status="completed"\} (\d+)$/m.exec(text)?.[1])).toBeGreaterThanOrEqual(3);
		} finally {
			await events.close();
		}
		const after = await waitFor(async () => {
			const text = await (await fetch(`${app.url}/metrics`)).text();
			return /^event_streams_open 0$/m.test(text) ? text : null;
		});
		expect(after).toMatch(/^event_streams_open 0$/m);
	});
});

describe('welcome e-mail without SMTP_URL', () => {
	let app: RunningProcess & { dataDir: string };

	beforeAll(async () => {
		app = await startProcess({ env: { ORIGIN: 'http://outbox.example.test' } });
	});

	afterAll(async () => {
		await app?.stop();
	});

	it('is written as a .eml file under DATA_DIR/outbox, and logged', async () => {
		const owner = await registerFirstAdmin(app.url);
		const created = await owner.api.post('/users', {
			email: 'offline@example.com',
			name: 'Otto Offline',
			password: 'a long password 1',
			role: 'viewer'
		});
		expect(created.status).toBe(201);
		const outbox = path.join(app.dataDir, 'outbox');
		const files = await waitFor(async () => {
			const names = await readdir(outbox).catch(() => []);
			return names.filter((n) => n.endsWith('.eml')).length > 0 ? names : null;
		});
		expect(files).toHaveLength(1);
		const raw = await readFile(path.join(outbox, files[0]), 'utf8');
		const mail = parseMail(raw, { to: [], from: '' });
		expect(raw).toMatch(/^To: offline@example\.com$/m);
		expect(raw).toMatch(/^From: Hiring Hare <no-reply@outbox\.example\.test>$/m);
		expect(mail.subject).toBe('Your Hiring Hare account is ready');
		expect(mail.text).toContain(
			'Olive Owner created a Hiring Hare account for you (offline@example.com) with the role Viewer.'
		);
		const logged = await waitFor(() => app.jsonLogs().find((l) => l.msg === 'email written to outbox (no SMTP_URL)'));
		expect(logged).toMatchObject({ to: 'offline@example.com', subject: 'Your Hiring Hare account is ready' });
		expect(logged.file).toBe(path.join(outbox, files[0]));
	});
});
