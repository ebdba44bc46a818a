import { spawn } from 'node:child_process';
import { sql } from 'drizzle-orm';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { jobs, users } from '../../src/lib/server/db/schema';
import { channels, type BusMessage } from '../../src/lib/server/events/bus';
import { BullMqQueue, QUEUE_NAME } from '../../src/lib/server/jobs/bullmq';
import { getJobRow, insertJobRow } from '../../src/lib/server/jobs/rows';
import { defineJob, PermanentJobError, type JobDefinition } from '../../src/lib/server/jobs/types';
import { checkReadiness } from '../../src/lib/server/observability/health';
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
import { BACKENDS, TEST_DATABASE_URL, TEST_REDIS_URL } from '../helpers/env';
import { createTestRuntime, uniqueRedisPrefix, type TestRuntime } from '../helpers/runtime';

const calls = new Map<string, number[]>();
const record = (key: string) => {
	const list = calls.get(key) ?? [];
	list.push(Date.now());
	calls.set(key, list);
	return list.length;
};
const keyed = z.object({ key: z.string(), failures: z.number().int().default(0) });

const flakyJob = defineJob({
	kind: 'test.bull.flaky',
	input: keyed,
	maxAttempts: 3,
	backoffMs: (attempt) => 200 * attempt,
	async perform(input, ctx) {
		const attempt = record(input.key);
		await ctx.progress(50, `try ${attempt}`);
		if (attempt <= input.failures) throw new Error(`flaky failure ${attempt}`);
		return { attempt };
	}
});

const permanentJob = defineJob({
	kind: 'test.bull.permanent',
	input: keyed,
	maxAttempts: 5,
	backoffMs: () => 50,
	async perform(input) {
		record(input.key);
		throw new PermanentJobError('nothing to retry');
	}
});

const definitions: JobDefinition[] = [flakyJob, permanentJob];

/**
 * Distributed mode's queue in one test process: a `web` runtime that only enqueues and a worker
 * runtime that runs BullMQ against the real Redis, sharing the database and a Redis prefix.
 */
describe.runIf(TEST_REDIS_URL).each(BACKENDS)('BullMQ queue on %s + Redis', (backend) => {
	let database: TestDatabase;
	let web: TestRuntime;
	let worker: TestRuntime;
	let userId: string;

	beforeAll(async () => {
		database = await createTestDatabase(backend);
		const env = { REDIS_PREFIX: uniqueRedisPrefix() };
		web = await createTestRuntime({ backend, database, redis: true, env, jobDefinitions: definitions });
		worker = await createTestRuntime({ backend, database, redis: true, env, jobDefinitions: definitions });
		await worker.rt.jobs.startProcessing();
		const [user] = await web.rt.db
			.insert(users)
			.values({ email: `bull-${backend}@example.com`, name: 'Bull', passwordHash: 'x', role: 'recruiter' })
			.returning();
		userId = user.id;
	});

	afterAll(async () => {
		await web?.close();
		await worker?.close();
		await database?.close();
	});

	const finished = (id: string) =>
		waitFor(
			async () => {
				const row = await getJobRow(web.rt.db, id);
				return row && ['completed', 'failed'].includes(row.status) ? row : null;
			},
			{ message: `job ${id} to finish` }
		);

	it('uses BullMQ in both runtimes, and only the worker processes', () => {
		expect(web.rt.jobs).toBeInstanceOf(BullMqQueue);
		expect(web.rt.jobs.processing()).toBe(false);
		expect(worker.rt.jobs.processing()).toBe(true);
	});

	it('runs a job enqueued elsewhere and streams its progress back through Redis', async () => {
		const seen: BusMessage[] = [];
		const subscription = web.rt.bus.subscribe(channels.user(userId), (m) => seen.push(m));
		await subscription.ready;
		try {
			const row = await web.rt.jobs.enqueue(flakyJob, { key: `${backend}-ok` }, { createdBy: userId });
			const done = await finished(row.id);
			expect(done).toMatchObject({ status: 'completed', attempts: 1, progress: 100, result: { attempt: 1 } });
			await waitFor(() => seen.some((m) => (m.job as { status: string }).status === 'completed'));
			expect(seen.map((m) => [(m.job as { status: string }).status, (m.job as { progress: number }).progress])).toEqual(
				[
					['running', 0],
					['running', 50],
					['completed', 100]
				]
			);
		} finally {
			subscription();
		}
	});

	it('retries with the job\u2019s own backoff, counting attempts on the row', async () => {
		const key = `${backend}-retry`;
		const row = await web.rt.jobs.enqueue(flakyJob, { key, failures: 2 });
		const done = await finished(row.id);
		expect(done).toMatchObject({ status: 'completed', attempts: 3, result: { attempt: 3 }, error: null });
		const times = calls.get(key) ?? [];
		expect(times).toHaveLength(3);
		expect(times[1] - times[0]).toBeGreaterThanOrEqual(190);
		expect(times[2] - times[1]).toBeGreaterThanOrEqual(390);
	});

	it('fails for good after the last attempt, and at once on a permanent error', async () => {
		const exhausted = await web.rt.jobs.enqueue(flakyJob, { key: `${backend}-exhausted`, failures: 9 });
		expect(await finished(exhausted.id)).toMatchObject({ status: 'failed', attempts: 3, error: 'flaky failure 3' });
		const permanent = await web.rt.jobs.enqueue(permanentJob, { key: `${backend}-permanent` });
		expect(await finished(permanent.id)).toMatchObject({ status: 'failed', attempts: 1, error: 'nothing to retry' });
		expect(calls.get(`${backend}-permanent`)).toHaveLength(1);
		// BullMQ agrees
		const queue = web.rt.jobs as unknown as {
			queue: { getJob(id: string): Promise<{ getState(): Promise<string> } | undefined> };
		};
		expect(await (await queue.queue.getJob(permanent.id))?.getState()).toBe('failed');
		expect(await (await queue.queue.getJob(exhausted.id))?.getState()).toBe('failed');
	});

	it('creates one job per dedupe key', async () => {
		const key = `${backend}-dedupe`;
		const [a, b] = await Promise.all([
			web.rt.jobs.enqueue(flakyJob, { key }, { dedupeKey: `bull:${key}` }),
			web.rt.jobs.enqueue(flakyJob, { key }, { dedupeKey: `bull:${key}` })
		]);
		expect(b.id).toBe(a.id);
		await finished(a.id);
		const rows = await web.rt.db
			.select()
			.from(jobs)
			.where(sql`${jobs.dedupeKey} = ${`bull:${key}`}`);
		expect(rows).toHaveLength(1);
		expect(calls.get(key)).toHaveLength(1);
	});

	it('enqueues many in one insert and one BullMQ round trip, each run once on the worker', async () => {
		const key = `${backend}-many`;
		const earlier = await web.rt.jobs.enqueue(flakyJob, { key: `${key}-0` }, { dedupeKey: `bull-many:${key}:0` });
		const rows = await web.rt.jobs.enqueueMany(
			flakyJob,
			[0, 1, 2, 3].map((i) => ({ input: { key: `${key}-${i}` }, dedupeKey: `bull-many:${key}:${i}` }))
		);
		expect(rows.map((r) => r.dedupeKey)).toEqual([0, 1, 2, 3].map((i) => `bull-many:${key}:${i}`));
		expect(rows[0].id).toBe(earlier.id);
		for (const row of rows) expect(await finished(row.id)).toMatchObject({ status: 'completed' });
		for (const i of [0, 1, 2, 3]) expect(calls.get(`${key}-${i}`)).toHaveLength(1);
	});

	it('re-dispatches a committed job that never reached Redis (crash between the two)', async () => {
		const key = `${backend}-lost`;
		const { row } = await insertJobRow(web.rt.db, { kind: flakyJob.kind, input: { key, failures: 0 }, maxAttempts: 3 });
		await web.rt.db.execute(sql`update jobs set updated_at = now() - interval '5 minutes' where id = ${row.id}`);
		expect((await getJobRow(web.rt.db, row.id))?.status).toBe('queued');
		// the sweep every worker runs every 30 s, run now
		await (worker.rt.jobs as unknown as { sweep(): Promise<void> }).sweep();
		expect(await finished(row.id)).toMatchObject({ status: 'completed', attempts: 1 });
	});

	it('reports its worker through a heartbeat, and readiness', async () => {
		expect(await (worker.rt.jobs as BullMqQueue).liveWorkers()).toBeGreaterThanOrEqual(1);
		const readiness = await checkReadiness(worker.rt);
		expect(readiness.checks.queue).toMatchObject({
			ok: true,
			detail: expect.stringMatching(/^bullmq, [1-9]\d* worker/)
		});
	});

	it('keeps its Redis keys under its own prefix', async () => {
		const redis = new Redis(TEST_REDIS_URL);
		try {
			const prefix = worker.rt.config.REDIS_PREFIX;
			const keys = await redis.keys(`${prefix}:bull:${QUEUE_NAME}:*`);
			expect(keys.length).toBeGreaterThan(0);
			expect(await redis.keys(`bull:${QUEUE_NAME}:*`)).toEqual([]);
		} finally {
			redis.disconnect();
		}
	});
});

/** A private redis-server on a free port (this test restarts it; the shared one is left alone). */
async function startPrivateRedis(port: number) {
	const child = spawn(
		'redis-server',
		['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
		{
			stdio: 'ignore'
		}
	);
	const probe = new Redis(port, '127.0.0.1', { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
	probe.on('error', () => {});
	try {
		await waitFor(
			async () =>
				(await probe
					.connect()
					.then(() => probe.ping())
					.catch(() => null)) === 'PONG',
			{
				message: 'redis-server to start'
			}
		);
	} finally {
		probe.disconnect();
	}
	return {
		url: `redis://127.0.0.1:${port}`,
		stop: () =>
			new Promise<void>((resolve) => {
				if (child.exitCode !== null) return resolve();
				child.once('exit', () => resolve());
				child.kill('SIGTERM');
			})
	};
}

describe.runIf(TEST_REDIS_URL)('BullMQ worker across a Redis restart', () => {
	let redis: Awaited<ReturnType<typeof startPrivateRedis>>;
	let port: number;
	let test: TestRuntime;

	beforeAll(async () => {
		port = await freePort();
		redis = await startPrivateRedis(port);
		test = await createTestRuntime({
			backend: 'pglite',
			redis: true,
			env: { REDIS_URL: redis.url },
			jobDefinitions: definitions
		});
		await test.rt.jobs.startProcessing();
	});

	afterAll(async () => {
		await test?.close();
		await redis?.stop();
	});

	const completed = (id: string) =>
		waitFor(
			async () => {
				const row = await getJobRow(test.rt.db, id);
				return row?.status === 'completed' ? row : null;
			},
			{ timeoutMs: 30_000, message: `job ${id} to complete` }
		);

	it('keeps taking jobs after Redis went away and came back', async () => {
		const before = await test.rt.jobs.enqueue(flakyJob, { key: 'restart-before' });
		await completed(before.id);

		await redis.stop();
		const readiness = await checkReadiness(test.rt);
		expect(readiness.checks.queue.ok).toBe(false);
		redis = await startPrivateRedis(port);

		const after = await test.rt.jobs.enqueue(flakyJob, { key: 'restart-after' });
		expect(await completed(after.id)).toMatchObject({ attempts: 1, result: { attempt: 1 } });
		expect(test.rt.jobs.processing()).toBe(true);
		// the heartbeat is back too
		await waitFor(async () => (await (test.rt.jobs as BullMqQueue).liveWorkers()) >= 1, { message: 'the heartbeat' });
	});
});

/**
 * The real distributed topology: the built `web`, `sync` and `worker` processes, one Postgres
 * database and one Redis. The web process queues the welcome e-mail, the worker process sends
 * it to a real SMTP server, and its progress reaches the browser connected to the web process.
 */
describe.runIf(TEST_REDIS_URL && TEST_DATABASE_URL)('distributed web + sync + worker processes', () => {
	let database: TestDatabase;
	let smtp: Awaited<ReturnType<typeof startSmtpServer>>;
	let worker: RunningProcess;
	let sync: RunningProcess;
	let web: RunningProcess;

	beforeAll(async () => {
		database = await createTestDatabase('postgres');
		smtp = await startSmtpServer();
		const env = {
			DATABASE_URL: database.url as string,
			REDIS_URL: TEST_REDIS_URL,
			REDIS_PREFIX: uniqueRedisPrefix(),
			SMTP_URL: smtp.url,
			ORIGIN: 'http://distributed.example.test'
		};
		[worker, sync] = await Promise.all([startProcess({ role: 'worker', env }), startProcess({ role: 'sync', env })]);
		web = await startProcess({ role: 'web', env });
	});

	afterAll(async () => {
		await Promise.all([web?.stop(), sync?.stop()]);
		await worker?.stop();
		await smtp?.close();
		await database?.close();
	});

	it('is ready: the web process sees its database, BullMQ with a live worker, and a sync process', async () => {
		const ready = await waitFor(async () => {
			const response = await fetch(`${web.url}/health/ready`);
			return response.status === 200 ? response.json() : null;
		});
		expect(ready.checks.queue.detail).toMatch(/^bullmq, [1-9]\d* worker/);
		expect(ready.checks.sync.detail).toMatch(/^[1-9]\d* sync process/);
		const health = await (await fetch(`${web.url}/health`)).json();
		expect(health).toMatchObject({ role: 'web', database: 'postgres', queue: 'bullmq' });

		const workerHealth = await fetch(`${worker.url}/health`);
		expect(await workerHealth.json()).toMatchObject({ status: 'ok', role: 'worker', version: health.version });
		const workerReady = await fetch(`${worker.url}/health/ready`);
		expect(workerReady.status).toBe(200);
		expect(await workerReady.json()).toMatchObject({ status: 'ready', failed: [] });
		expect((await fetch(`${worker.url}/health/live`)).status).toBe(200);
	});

	it('runs the welcome e-mail on the worker and streams its progress to the web process\u2019s browser', async () => {
		const register = await apiClient(web.url).post('/auth/register', {
			email: 'chief@example.com',
			name: 'Chief',
			password: 'a long password 1'
		});
		expect(register.status).toBe(201);
		const token: string = register.body.data.token;
		const events = await openEvents(web.url, token);
		try {
			await events.next((e) => e.event === 'ready');
			const created = await apiClient(web.url, token).post('/users', {
				email: 'remote@example.com',
				name: 'Remy Remote',
				password: 'a long password 1',
				role: 'hiring_manager'
			});
			expect(created.status).toBe(201);
			const completed = await events.next((e) => e.event === 'job.updated' && e.data.job.status === 'completed');
			const progress = events.events
				.filter((e) => e.event === 'job.updated' && e.data.job.id === completed.data.job.id)
				.map((e) => e.data.job.progress);
			expect(progress).toEqual([0, 10, 50, 100]);

			const mail = await waitFor(() => smtp.messages.find((m) => m.to.includes('remote@example.com')));
			expect(mail.subject).toBe('Your Hiring Hare account is ready');
			expect(mail.text).toContain(
				'Chief created a Hiring Hare account for you (remote@example.com) with the role Hiring manager.'
			);
			expect(mail.text).toContain('http://distributed.example.test/login');

			const job = await apiClient(web.url, token).get(`/jobs/${completed.data.job.id}`);
			expect(job.body.data).toMatchObject({ kind: 'email.send', status: 'completed', attempts: 1 });
		} finally {
			await events.close();
		}
		// the worker did the work, not the web process
		expect(worker.jsonLogs().some((l) => l.msg === 'email sent' && l.to === 'remote@example.com')).toBe(true);
		expect(web.jsonLogs().some((l) => l.msg === 'email sent')).toBe(false);
		const metrics = await (await fetch(`${worker.url}/metrics`)).text();
		expect(metrics).toMatch(/^jobs_total\{kind="email\.send",outcome="completed"\} 1$/m);
	});

	it('stops the worker cleanly on SIGTERM and the web process notices', async () => {
		expect(await worker.stop('SIGTERM')).toBe(0);
		const ready = await waitFor(async () => {
			const body = await (await fetch(`${web.url}/health/ready`)).json();
			return /^bullmq, 0 worker/.test(body.checks.queue.detail) ? body : null;
		});
		// a web process without workers still serves; its jobs wait in Redis
		expect(ready.status).toBe('ready');
	});
});
