import { bigint, pgTable, text } from 'drizzle-orm/pg-core';

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
