import { bigint, index, pgTable, text, uuid } from 'drizzle-orm/pg-core';

/**
 * One counter per cached read model (`requirements_list`, …), bumped by statement-level triggers
 * on the tables that model reads from, in the same transaction as the change. A process caching
 * a query's answer reads the counter before the query and serves the cached answer only while
 * the counter is unchanged: correct across every process (web, sync, worker) that writes those
 * tables, with no invalidation message to lose. See src/lib/server/cache/read-model-cache.ts.
 */
export const changeCounters = pgTable('change_counters', {
	name: text('name').primaryKey(),
	value: bigint('value', { mode: 'number' }).notNull().default(0)
});

/**
 * Which candidates each `candidates_list` bump changed (migration 0013), so that a cached list
 * answer can be re-checked against those few rows instead of re-running its query. One row per
 * changed candidate and bump; `candidate_id` null means "anything may have changed" (who may
 * see which candidate: departments, requirements' owners, panels). The triggers keep the last
 * 1,000 bumps; a cached answer older than {@link CANDIDATE_CHANGES_SPAN} bumps is re-queried.
 */
export const candidatesListChanges = pgTable(
	'candidates_list_changes',
	{
		counter: bigint('counter', { mode: 'number' }).notNull(),
		candidateId: uuid('candidate_id')
	},
	(t) => [index('candidates_list_changes_counter_idx').on(t.counter)]
);

/** How many bumps back a cached candidates list answer may be re-checked (the log keeps 1,000). */
export const CANDIDATE_CHANGES_SPAN = 500;
