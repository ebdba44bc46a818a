import { eq, sql } from 'drizzle-orm';
import type { Executor } from '../db/client';
import { changeCounters } from '../db/schema';

/** The read models cached this way, each with its counter row (migrations 0008 and 0012). */
export type CounterName = 'requirements_list' | 'candidates_list';

interface Entry<V> {
	counter: number;
	value: V;
}

function prepareCounterRead(db: Executor) {
	return db
		.select({ value: changeCounters.value })
		.from(changeCounters)
		.where(eq(changeCounters.name, sql.placeholder('name')))
		.limit(1)
		.prepare('read_change_counter');
}

// Built once per database, like the session lookup: on Postgres a named prepared statement.
const counterReads = new WeakMap<Executor, ReturnType<typeof prepareCounterRead>>();

/** The counter's current value; -1 when its row is missing (then nothing is ever served from cache). */
export async function readCounter(db: Executor, name: CounterName): Promise<number> {
	let read = counterReads.get(db);
	if (!read) counterReads.set(db, (read = prepareCounterRead(db)));
	const [row] = await read.execute({ name });
	return row ? Number(row.value) : -1;
}

/**
 * Answers of one query kind (a list page per filter set), kept in process memory and served
 * while the read model's change counter has not moved.
 *
 * Correctness rests on the order: the counter is read BEFORE the query. A change committed in
 * between makes the stored answer carry the older counter, so the next request misses and asks
 * again; an answer is never stored under a counter newer than the data it saw. Triggers bump the
 * counter inside the writing transaction, so every process that writes the tables (web, sync
 * server, worker) invalidates every process's cache, with no message that could be lost.
 *
 * The price on a hit is one primary-key read instead of the query, its joins and the row
 * mapping. Entries are few and bounded (least recently used out first).
 */
export class ReadModelCache<V> {
	/** Per database: one process may hold several (the tests do), and counters are per database. */
	private readonly byDatabase = new WeakMap<Executor, Map<string, Entry<V>>>();
	hits = 0;
	misses = 0;

	constructor(
		readonly name: CounterName,
		private readonly maxEntries = 256,
		/** Counted in {@link cacheLookups} (/metrics); tests' private caches are not. */
		register = false
	) {
		if (register) registered.push(this as ReadModelCache<unknown>);
	}

	async get(db: Executor, key: string, load: () => Promise<V>): Promise<V> {
		let entries = this.byDatabase.get(db);
		if (!entries) this.byDatabase.set(db, (entries = new Map()));
		const counter = await readCounter(db, this.name);
		const entry = entries.get(key);
		if (entry && entry.counter === counter && counter >= 0) {
			// Refresh its place in the LRU order.
			entries.delete(key);
			entries.set(key, entry);
			this.hits++;
			return entry.value;
		}
		this.misses++;
		const value = await load();
		if (counter >= 0) {
			entries.delete(key);
			entries.set(key, { counter, value });
			while (entries.size > this.maxEntries) {
				const oldest = entries.keys().next().value;
				if (oldest === undefined) break;
				entries.delete(oldest);
			}
		}
		return value;
	}

	/** Entries held for one database. */
	size(db: Executor): number {
		return this.byDatabase.get(db)?.size ?? 0;
	}
}

const registered: Array<ReadModelCache<unknown>> = [];

/** Hits and misses of the product's caches since the process started (for /metrics). */
export function cacheLookups(): Array<{ cache: CounterName; hits: number; misses: number }> {
	return registered.map((c) => ({ cache: c.name, hits: c.hits, misses: c.misses }));
}
