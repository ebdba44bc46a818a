import { index, integer, jsonb, pgEnum, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { createdAt, id, updatedAt } from './columns';
import { users } from './users';

export const JOB_STATUSES = ['queued', 'running', 'completed', 'failed', 'paused', 'cancelled'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

export const jobStatus = pgEnum('job_status', JOB_STATUSES);

/** The lasting record of every background job, whichever runner executes it. */
export const jobs = pgTable(
	'jobs',
	{
		id: id(),
		kind: text('kind').notNull(),
		status: jobStatus('status').notNull().default('queued'),
		progress: integer('progress').notNull().default(0),
		progressMessage: text('progress_message'),
		input: jsonb('input').$type<unknown>().notNull(),
		result: jsonb('result').$type<unknown>(),
		error: text('error'),
		attempts: integer('attempts').notNull().default(0),
		maxAttempts: integer('max_attempts').notNull().default(3),
		/** Do not start before this time (delays and retry backoff). */
		runAt: timestamp('run_at', { withTimezone: true }).notNull().defaultNow(),
		/** Makes enqueueing idempotent: a second job with the same key is not created. */
		dedupeKey: text('dedupe_key'),
		startedAt: timestamp('started_at', { withTimezone: true }),
		finishedAt: timestamp('finished_at', { withTimezone: true }),
		createdBy: uuid('created_by').references(() => users.id),
		createdAt: createdAt(),
		updatedAt: updatedAt()
	},
	(t) => [
		index('jobs_status_run_at_idx').on(t.status, t.runAt),
		index('jobs_created_by_idx').on(t.createdBy, t.createdAt),
		uniqueIndex('jobs_dedupe_key_unique').on(t.dedupeKey)
	]
);

export type JobRow = typeof jobs.$inferSelect;
