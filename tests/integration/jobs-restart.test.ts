import { createServer, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
	apiClient,
	freePort,
	openEvents,
	startProcess,
	startSmtpServer,
	waitFor,
	type RunningProcess
} from '../helpers/app';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { BACKENDS } from '../helpers/env';

/** An "SMTP server" that accepts connections and never says a word: sending hangs. */
async function startBlackHole() {
	const sockets: Socket[] = [];
	const server = createServer((socket) => {
		sockets.push(socket);
		socket.on('error', () => {});
	});
	const port = await freePort();
	await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', () => resolve()));
	return {
		url: `smtp://127.0.0.1:${port}`,
		sockets,
		close: () =>
			new Promise<void>((resolve) => {
				for (const socket of sockets) socket.destroy();
				server.close(() => resolve());
			})
	};
}

/**
 * Embedded mode loses no job: jobs running or still queued when the process is killed (SIGKILL,
 * no shutdown work at all) run at the next start on the same data.
 */
describe.each(BACKENDS)('jobs survive a killed embedded app on %s', (backend) => {
	let database: TestDatabase | undefined;
	let blackHole: Awaited<ReturnType<typeof startBlackHole>>;
	let smtp: Awaited<ReturnType<typeof startSmtpServer>>;
	let app: (RunningProcess & { dataDir: string }) | undefined;

	beforeAll(async () => {
		blackHole = await startBlackHole();
		smtp = await startSmtpServer();
		if (backend === 'postgres') database = await createTestDatabase('postgres');
	});

	afterAll(async () => {
		await app?.stop();
		await blackHole?.close();
		await smtp?.close();
		await database?.close();
	});

	it('runs them again at the next start', async () => {
		const dbEnv: Record<string, string> = database ? { DATABASE_URL: database.url as string } : {};
		const first = await startProcess({ env: { ...dbEnv, SMTP_URL: blackHole.url } });
		app = first;
		const register = await apiClient(first.url).post('/auth/register', {
			email: 'owner@example.com',
			name: 'Owner',
			password: 'owner password 123'
		});
		const token: string = register.body.data.token;
		const api = apiClient(first.url, token);
		const events = await openEvents(first.url, token);
		await events.next((e) => e.event === 'ready');
		// six welcome e-mails: four run at once (the runner's concurrency) and hang, two wait
		const recipients = Array.from({ length: 6 }, (_, i) => `hire${i}@example.com`);
		for (const email of recipients) {
			const created = await api.post('/users', { email, name: email, password: 'a long password 1', role: 'viewer' });
			expect(created.status).toBe(201);
		}
		await waitFor(() => blackHole.sockets.length >= 4, { message: 'four e-mails stuck in sending' });
		const running = await waitFor(() => {
			const ids = new Set(
				events.events
					.filter((e) => e.event === 'job.updated' && e.data.job.status === 'running')
					.map((e) => e.data.job.id)
			);
			return ids.size >= 4 ? [...ids] : null;
		});
		await events.close();

		await first.kill();
		expect(smtp.messages).toHaveLength(0);

		const second = await startProcess({ env: { ...dbEnv, SMTP_URL: smtp.url }, dataDir: first.dataDir });
		app = second;
		const messages = await waitFor(() => (smtp.messages.length >= 6 ? smtp.messages : null), {
			timeoutMs: 30_000,
			message: 'all six welcome e-mails'
		});
		expect(messages.map((m) => m.to[0]).sort()).toEqual(recipients);
		expect(messages.every((m) => m.subject === 'Your Hiring Hare account is ready')).toBe(true);

		// the session survived the kill too; the interrupted jobs show their second attempt
		const again = apiClient(second.url, token);
		for (const id of running) {
			const job = await again.get(`/jobs/${id}`);
			expect(job.status).toBe(200);
			expect(job.body.data).toMatchObject({ status: 'completed', attempts: 2, result: { transport: 'smtp' } });
		}
		const restartLog = second.jsonLogs().find((l) => l.msg === 'jobs interrupted by the last stop will run again');
		expect(restartLog?.requeued).toBeGreaterThanOrEqual(4);
		// all six ran in this process, no job of any kind is left to run, nothing was sent twice
		const metrics = await waitFor(async () => {
			const text = await (await fetch(`${second.url}/metrics`)).text();
			const done = /^jobs_total\{kind="email\.send",outcome="completed"\} 6$/m.test(text);
			return done && !/^jobs_current\{status="(queued|running)"\}/m.test(text) ? text : null;
		});
		expect(metrics).not.toMatch(/^jobs_total\{kind="email\.send",outcome="(retry|failed)"\}/m);
		expect(smtp.messages).toHaveLength(6);
	});
});
