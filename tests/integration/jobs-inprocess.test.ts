import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { jobs, users } from '../../src/lib/server/db/schema';
import { inTransaction } from '../../src/lib/server/db/transaction';
import { channels, type BusMessage } from '../../src/lib/server/events/bus';
import { getJobRow } from '../../src/lib/server/jobs/rows';
import { defineJob, PermanentJobError, type JobDefinition } from '../../src/lib/server/jobs/types';
import { sendWelcomeEmail } from '../../worker/jobs/send-email';
import { waitFor } from '../helpers/app';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { BACKENDS } from '../helpers/env';
import { createTestRuntime, type TestRuntime } from '../helpers/runtime';

/** What the test job definitions did, by input key (shared by the runtimes of one backend). */
const calls = new Map<string, number[]>();
const record = (key: string) => {
	const list = calls.get(key) ?? [];
	list.push(Date.now());
	calls.set(key, list);
	return list.length;
};

const keyed = z.object({ key: z.string(), failures: z.number().int().default(0) });

const flakyJob = defineJob({
	kind: 'test.flaky',
	input: keyed,
	maxAttempts: 4,
	backoffMs: (attempt) => 150 * attempt,
	async perform(input) {
		const attempt = record(input.key);
		if (attempt <= input.failures) throw new Error(`flaky failure ${attempt}`);
		return { attempt };
	}
});

const permanentJob = defineJob({
	kind: 'test.permanent',
	input: keyed,
	maxAttempts: 5,
	backoffMs: () => 50,
	async perform(input) {
		record(input.key);
		throw new PermanentJobError('the record is gone');
	}
});

const progressJob = defineJob({
	kind: 'test.progress',
	input: keyed,
	maxAttempts: 1,
	backoffMs: () => 0,
	async perform(input, ctx) {
		record(input.key);
		await ctx.progress(30, 'a third');
		await ctx.progress(70, 'most of it');
		return { done: true };
	}
});

/**
 * Blocks until the test opens its gate. It ignores the shutdown signal on purpose, like work
 * stuck in a CPU loop: a runner that stops leaves it `running`, as a crash would.
 */
const gates = new Map<string, () => void>();
const slowJob = defineJob({
	kind: 'test.slow',
	input: keyed,
	maxAttempts: 3,
	backoffMs: () => 0,
	async perform(input) {
		record(input.key);
		await new Promise<void>((resolve) => gates.set(input.key, resolve));
		return { released: true };
	}
});

const definitions: JobDefinition[] = [flakyJob, permanentJob, progressJob, slowJob];

describe.each(BACKENDS)('in-process job runner on %s', (backend) => {
	let database: TestDatabase;
	let test: TestRuntime;
	let userId: string;

	beforeAll(async () => {
		database = await createTestDatabase(backend);
		test = await createTestRuntime({ backend, database, jobDefinitions: definitions });
		await test.rt.jobs.startProcessing();
		const [user] = await test.rt.db
			.insert(users)
			.values({ email: `jobs-${backend}@example.com`, name: 'Jobs', passwordHash: 'x', role: 'recruiter' })
			.returning();
		userId = user.id;
	});

	afterAll(async () => {
		await test?.close();
		await database?.close();
	});

	const finished = (id: string) =>
		waitFor(
			async () => {
				const row = await getJobRow(test.rt.db, id);
				return row && ['completed', 'failed'].includes(row.status) ? row : null;
			},
			{ message: `job ${id} to finish` }
		);

	it('runs a job and records its result on the row', async () => {
		const row = await test.rt.jobs.enqueue(flakyJob, { key: `${backend}-ok` }, { createdBy: userId });
		expect(row).toMatchObject({ kind: 'test.flaky', status: 'queued', attempts: 0, maxAttempts: 4, createdBy: userId });
		const done = await finished(row.id);
		expect(done).toMatchObject({
			status: 'completed',
			progress: 100,
			attempts: 1,
			result: { attempt: 1 },
			error: null
		});
		expect(done.startedAt).toBeInstanceOf(Date);
		expect(done.finishedAt).toBeInstanceOf(Date);
	});

	it('retries a failing job with backoff until it succeeds', async () => {
		const key = `${backend}-retry`;
		const row = await test.rt.jobs.enqueue(flakyJob, { key, failures: 2 });
		const done = await finished(row.id);
		expect(done).toMatchObject({ status: 'completed', attempts: 3, result: { attempt: 3 }, error: null });
		const times = calls.get(key) ?? [];
		expect(times).toHaveLength(3);
		// backoff after try 1 is 150 ms, after try 2 300 ms
		expect(times[1] - times[0]).toBeGreaterThanOrEqual(150);
		expect(times[2] - times[1]).toBeGreaterThanOrEqual(300);
	});

	it('gives up after the last attempt and keeps the last error', async () => {
		const key = `${backend}-exhausted`;
		const row = await test.rt.jobs.enqueue(flakyJob, { key, failures: 99 });
		const done = await finished(row.id);
		expect(done).toMatchObject({ status: 'failed', attempts: 4, error: 'flaky failure 4' });
		expect(calls.get(key)).toHaveLength(4);
	});

	it('does not retry a permanent failure', async () => {
		const key = `${backend}-permanent`;
		const row = await test.rt.jobs.enqueue(permanentJob, { key });
		const done = await finished(row.id);
		expect(done).toMatchObject({ status: 'failed', attempts: 1, error: 'the record is gone' });
		// give a wrongly scheduled retry the time to happen: there is none
		await new Promise((resolve) => setTimeout(resolve, 300));
		expect(calls.get(key)).toHaveLength(1);
	});

	it('publishes every state and progress change to the job and its creator', async () => {
		const seenByUser: BusMessage[] = [];
		const subscription = test.rt.bus.subscribe(channels.user(userId), (m) => seenByUser.push(m));
		await subscription.ready;
		try {
			const row = await test.rt.jobs.enqueue(progressJob, { key: `${backend}-progress` }, { createdBy: userId });
			const done = await finished(row.id);
			expect(done).toMatchObject({ status: 'completed', progress: 100, progressMessage: 'most of it' });
			await waitFor(() => seenByUser.some((m) => (m.job as { status: string }).status === 'completed'));
			const updates = seenByUser
				.filter((m) => m.type === 'job.updated' && (m.job as { id: string }).id === row.id)
				.map((m) => m.job as { status: string; progress: number; progress_message: string | null });
			expect(updates.map((u) => [u.status, u.progress])).toEqual([
				['running', 0],
				['running', 30],
				['running', 70],
				['completed', 100]
			]);
			expect(updates[2].progress_message).toBe('most of it');
		} finally {
			subscription();
		}
	});

	it('creates one job per dedupe key, and runs it once', async () => {
		const key = `${backend}-dedupe`;
		const first = await test.rt.jobs.enqueue(flakyJob, { key }, { dedupeKey: `dedupe:${key}` });
		const second = await test.rt.jobs.enqueue(flakyJob, { key }, { dedupeKey: `dedupe:${key}` });
		expect(second.id).toBe(first.id);
		await finished(first.id);
		const third = await test.rt.jobs.enqueue(flakyJob, { key }, { dedupeKey: `dedupe:${key}` });
		expect(third.id).toBe(first.id);
		await new Promise((resolve) => setTimeout(resolve, 300));
		expect(calls.get(key)).toHaveLength(1);
		const rows = await test.rt.db
			.select()
			.from(jobs)
			.where(eq(jobs.dedupeKey, `dedupe:${key}`));
		expect(rows).toHaveLength(1);
	});

	it('enqueues many in one go: rows in the order given, an existing dedupe key answered with its job, each run once', async () => {
		const key = `${backend}-many`;
		const earlier = await test.rt.jobs.enqueue(flakyJob, { key: `${key}-1` }, { dedupeKey: `many:${key}:1` });
		const rows = await test.rt.jobs.enqueueMany(
			flakyJob,
			[0, 1, 2].map((i) => ({ input: { key: `${key}-${i}` }, dedupeKey: `many:${key}:${i}` }))
		);
		expect(rows.map((r) => r.dedupeKey)).toEqual([0, 1, 2].map((i) => `many:${key}:${i}`));
		expect(rows[1].id).toBe(earlier.id);
		expect(new Set(rows.map((r) => r.id)).size).toBe(3);
		for (const row of rows) await finished(row.id);
		await new Promise((resolve) => setTimeout(resolve, 300));
		for (const i of [0, 1, 2]) expect(calls.get(`${key}-${i}`)).toHaveLength(1);
		// Bad input is refused before anything is written.
		await expect(test.rt.jobs.enqueueMany(flakyJob, [{ input: { key: 7 } as never }])).rejects.toThrow();
	});

	it('schedules once per slot, however often (and from however many processes) it is asked', async () => {
		const other = await createTestRuntime({ backend, database, jobDefinitions: definitions });
		try {
			const name = `${backend}-hourly`;
			await Promise.all([
				test.rt.jobs.schedule(name, 3600_000, flakyJob, { key: name }),
				other.rt.jobs.schedule(name, 3600_000, flakyJob, { key: name }),
				test.rt.jobs.schedule(name, 3600_000, flakyJob, { key: name })
			]);
			const slot = Math.floor(Date.now() / 3600_000);
			const rows = await test.rt.db
				.select()
				.from(jobs)
				.where(sql`${jobs.dedupeKey} like ${`schedule:${name}:%`}`);
			expect(rows.map((r) => r.dedupeKey)).toEqual([`schedule:${name}:${slot}`]);
			await finished(rows[0].id);
			expect(calls.get(name)).toHaveLength(1);
		} finally {
			await other.close();
		}
	});

	it('does not start a delayed job before its time', async () => {
		const key = `${backend}-delayed`;
		const enqueuedAt = Date.now();
		const row = await test.rt.jobs.enqueue(flakyJob, { key }, { delayMs: 1200 });
		const done = await finished(row.id);
		expect(done.status).toBe('completed');
		expect((calls.get(key) ?? [])[0] - enqueuedAt).toBeGreaterThanOrEqual(1100);
	});

	it('creates no job when the enqueuing transaction rolls back, and runs it only after commit', async () => {
		const key = `${backend}-tx`;
		await expect(
			inTransaction(test.rt.db, async (tx, afterCommit) => {
				await test.rt.jobs.enqueue(flakyJob, { key }, { tx, afterCommit, dedupeKey: `tx:${key}` });
				throw new Error('rolled back');
			})
		).rejects.toThrow('rolled back');
		expect(
			await test.rt.db
				.select()
				.from(jobs)
				.where(eq(jobs.dedupeKey, `tx:${key}`))
		).toHaveLength(0);
		const row = await inTransaction(test.rt.db, (tx, afterCommit) =>
			test.rt.jobs.enqueue(flakyJob, { key }, { tx, afterCommit, dedupeKey: `tx:${key}` })
		);
		expect((await finished(row.id)).status).toBe('completed');
	});

	it('refuses input its schema does not accept, before any row exists', async () => {
		const before = await test.rt.db.select({ n: sql<number>`count(*)::int` }).from(jobs);
		await expect(test.rt.jobs.enqueue(flakyJob, { key: 42 } as never)).rejects.toThrow();
		const after = await test.rt.db.select({ n: sql<number>`count(*)::int` }).from(jobs);
		expect(after[0].n).toBe(before[0].n);
	});

	// Last: it stops the runner the other tests share.
	it('runs jobs that were running or queued when a runner stopped, at the next start', async () => {
		await test.rt.jobs.close();
		const runner = await createTestRuntime({ backend, database, jobDefinitions: [slowJob] });
		const key = `${backend}-interrupted`;
		const row = await runner.rt.jobs.enqueue(slowJob, { key });
		await runner.rt.jobs.startProcessing();
		await waitFor(() => gates.has(key), { message: 'the slow job to start' });
		// a kind this runner does not run stays queued
		const queued = await runner.rt.jobs.enqueue(flakyJob, { key: `${key}-queued` });
		gates.delete(key);
		// the runner stops without its job finishing (its grace period is shorter than the job)
		await (runner.rt.jobs as unknown as { close(graceMs: number): Promise<void> }).close(100);
		await runner.close();
		expect((await getJobRow(test.rt.db, row.id))?.status).toBe('running');
		expect((await getJobRow(test.rt.db, queued.id))?.status).toBe('queued');

		const next = await createTestRuntime({ backend, database, jobDefinitions: definitions });
		try {
			await next.rt.jobs.startProcessing();
			await waitFor(() => gates.has(key), { message: 'the interrupted job to run again' });
			gates.get(key)?.();
			const done = await waitFor(async () => {
				const current = await getJobRow(next.rt.db, row.id);
				return current?.status === 'completed' ? current : null;
			});
			expect(done).toMatchObject({ attempts: 2, result: { released: true } });
			const other = await waitFor(async () => {
				const current = await getJobRow(next.rt.db, queued.id);
				return current?.status === 'completed' ? current : null;
			});
			expect(other.attempts).toBe(1);
			expect(calls.get(key)).toHaveLength(2);
		} finally {
			await next.close();
		}
	});
});

describe('the welcome e-mail job', () => {
	let test: TestRuntime;

	beforeAll(async () => {
		test = await createTestRuntime({ backend: 'pglite' });
		await test.rt.jobs.startProcessing();
	});

	afterAll(async () => {
		await test?.close();
	});

	async function userRow(email: string, values: Partial<typeof users.$inferInsert> = {}) {
		const [row] = await test.rt.db
			.insert(users)
			.values({ email, name: 'Welcome Test', passwordHash: 'x', role: 'viewer', ...values })
			.returning();
		return row;
	}

	const outbox = async () => (await readdir(path.join(test.dataDir, 'outbox')).catch(() => [])).length;

	it('writes the message to the outbox once, even if asked twice', async () => {
		const user = await userRow('welcome-twice@example.com');
		const first = await sendWelcomeEmail(test.rt, { userId: user.id, invitedById: null }, {});
		const second = await sendWelcomeEmail(test.rt, { userId: user.id, invitedById: null }, {});
		expect(second.id).toBe(first.id);
		const done = await waitFor(async () => {
			const row = await getJobRow(test.rt.db, first.id);
			return row?.status === 'completed' ? row : null;
		});
		expect(done.result).toMatchObject({ to: 'welcome-twice@example.com', transport: 'file' });
		expect(await outbox()).toBe(1);
	});

	it('sends nothing to an account deactivated before it ran, and fails for good on a deleted one', async () => {
		const inactive = await userRow('welcome-inactive@example.com', { isActive: false });
		const skipped = await sendWelcomeEmail(test.rt, { userId: inactive.id, invitedById: null }, {});
		const deleted = await userRow('welcome-deleted@example.com', { deletedAt: new Date() });
		const failed = await sendWelcomeEmail(test.rt, { userId: deleted.id, invitedById: null }, {});
		const rows = await waitFor(async () => {
			const both = await Promise.all([getJobRow(test.rt.db, skipped.id), getJobRow(test.rt.db, failed.id)]);
			return both.every((r) => r && ['completed', 'failed'].includes(r.status)) ? both : null;
		});
		expect(rows[0]).toMatchObject({ status: 'completed', result: { skipped: 'the account is deactivated' } });
		expect(rows[1]).toMatchObject({ status: 'failed', attempts: 1, error: 'The user no longer exists' });
		expect(await outbox()).toBe(1);
	});
});
