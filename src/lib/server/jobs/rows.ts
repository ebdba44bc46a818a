import { randomUUID } from 'node:crypto';
import { and, eq, inArray, lte, sql } from 'drizzle-orm';
import type { z } from 'zod';
import type { Executor } from '../db/client';
import { jobs, type JobRow } from '../db/schema';
import type { JobDefinition } from './types';

export interface NewJob {
	kind: string;
	input: unknown;
	maxAttempts: number;
	runAt?: Date;
	dedupeKey?: string | null;
	createdBy?: string | null;
}

/**
 * Inserts a job row. With a dedupe key that already exists, returns the existing row instead,
 * so "send this reminder once today" stays once even if asked twice.
 */
export async function insertJobRow(db: Executor, job: NewJob): Promise<{ row: JobRow; created: boolean }> {
	const [result] = await insertJobRows(db, [job]);
	return result;
}

/** The row of one job: its input parsed by the definition's schema, due now or after `delayMs`. */
export function newJobRow<S extends z.ZodType>(
	definition: JobDefinition<S>,
	input: z.input<S>,
	options: { delayMs?: number; dedupeKey?: string; createdBy?: string | null } = {}
): NewJob {
	return {
		kind: definition.kind,
		input: definition.input.parse(input),
		maxAttempts: definition.maxAttempts,
		runAt: options.delayMs ? new Date(Date.now() + options.delayMs) : undefined,
		dedupeKey: options.dedupeKey,
		createdBy: options.createdBy
	};
}

/** The rows `enqueueMany` inserts, one `newJobRow` an item. */
export function newJobRows<S extends z.ZodType>(
	definition: JobDefinition<S>,
	items: ReadonlyArray<{ input: z.input<S>; dedupeKey?: string }>,
	createdBy?: string | null
): NewJob[] {
	return items.map((item) => newJobRow(definition, item.input, { dedupeKey: item.dedupeKey, createdBy }));
}

/**
 * Inserts many job rows in one statement, with `insertJobRow`'s dedupe rule for each; the
 * answers come back in the order of `list`.
 */
export async function insertJobRows(db: Executor, list: NewJob[]): Promise<Array<{ row: JobRow; created: boolean }>> {
	if (list.length === 0) return [];
	const values = list.map((job) => ({
		id: randomUUID(),
		kind: job.kind,
		input: job.input,
		maxAttempts: job.maxAttempts,
		runAt: job.runAt ?? new Date(),
		dedupeKey: job.dedupeKey ?? null,
		createdBy: job.createdBy ?? null
	}));
	const inserted = await db.insert(jobs).values(values).onConflictDoNothing({ target: jobs.dedupeKey }).returning();
	const byId = new Map(inserted.map((row) => [row.id, row]));
	const missingKeys = values.filter((v) => !byId.has(v.id)).map((v) => v.dedupeKey as string);
	const existing = missingKeys.length
		? new Map(
				(await db.select().from(jobs).where(inArray(jobs.dedupeKey, missingKeys))).map((row) => [row.dedupeKey, row])
			)
		: new Map<string | null, JobRow>();
	return values.map((v) => {
		const row = byId.get(v.id);
		return row ? { row, created: true } : { row: existing.get(v.dedupeKey) as JobRow, created: false };
	});
}

export async function getJobRow(db: Executor, id: string): Promise<JobRow | null> {
	const [row] = await db.select().from(jobs).where(eq(jobs.id, id));
	return row ?? null;
}

/** Claims the next due job for the in-process runner (one at a time, oldest first). */
export async function claimNextDueJob(db: Executor, kinds: string[]): Promise<JobRow | null> {
	if (kinds.length === 0) return null;
	const rows = await db
		.update(jobs)
		.set({ status: 'running', attempts: sql`${jobs.attempts} + 1`, startedAt: new Date(), error: null })
		.where(
			eq(
				jobs.id,
				sql`(select ${jobs.id} from ${jobs} where ${jobs.status} = 'queued' and ${jobs.runAt} <= now()
				     and ${jobs.kind} in ${kinds} order by ${jobs.runAt}, ${jobs.createdAt} limit 1 for update skip locked)`
			)
		)
		.returning();
	return rows[0] ?? null;
}

/**
 * Marks a job row as started by a BullMQ worker and counts the try. The row, not BullMQ, keeps
 * the count: a job re-dispatched by the sweeper starts a fresh BullMQ job but not a fresh budget.
 */
export async function markJobRunning(db: Executor, id: string): Promise<JobRow | null> {
	const [row] = await db
		.update(jobs)
		.set({ status: 'running', attempts: sql`${jobs.attempts} + 1`, startedAt: new Date(), error: null })
		.where(and(eq(jobs.id, id), sql`${jobs.status} in ('queued', 'running')`))
		.returning();
	return row ?? null;
}

export async function markJobProgress(db: Executor, id: string, progress: number, message?: string) {
	const [row] = await db
		.update(jobs)
		.set({ progress: Math.max(0, Math.min(100, Math.round(progress))), progressMessage: message ?? null })
		.where(eq(jobs.id, id))
		.returning();
	return row ?? null;
}

export async function markJobCompleted(db: Executor, id: string, result: unknown) {
	const [row] = await db
		.update(jobs)
		.set({ status: 'completed', progress: 100, result: result ?? null, error: null, finishedAt: new Date() })
		.where(eq(jobs.id, id))
		.returning();
	return row ?? null;
}

/** A failed try: back to `queued` (for `retryAt`) or, with no tries left, `failed`. */
export async function markJobFailed(db: Executor, id: string, error: string, retryAt: Date | null) {
	const [row] = await db
		.update(jobs)
		.set(retryAt ? { status: 'queued', error, runAt: retryAt } : { status: 'failed', error, finishedAt: new Date() })
		.where(eq(jobs.id, id))
		.returning();
	return row ?? null;
}

/** At start-up of the single embedded process: whatever was running when it stopped runs again. */
export async function requeueInterruptedJobs(db: Executor): Promise<number> {
	const rows = await db
		.update(jobs)
		.set({ status: 'queued', runAt: new Date() })
		.where(eq(jobs.status, 'running'))
		.returning({ id: jobs.id });
	return rows.length;
}

/** Rows still `queued` and due (for re-dispatch to BullMQ after a crash between commit and add). */
export async function dueQueuedJobs(db: Executor, olderThan: Date, limit = 100) {
	return db
		.select()
		.from(jobs)
		.where(and(eq(jobs.status, 'queued'), lte(jobs.updatedAt, olderThan)))
		.limit(limit);
}

export async function countJobsByStatus(db: Executor) {
	return db
		.select({ status: jobs.status, n: sql<number>`count(*)::int` })
		.from(jobs)
		.groupBy(jobs.status);
}
