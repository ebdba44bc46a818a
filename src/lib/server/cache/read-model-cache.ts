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
 *
 * Misses are coalesced: a request that finds the same query already being loaded under the
 * counter it read itself waits for that load instead of running the query again (after a change,
 * a burst of requests for one page costs one query, not one per request; on PGlite, whose single
 * thread runs them one after another, this is what keeps the burst short). That answer is as
 * fresh as the waiter needs: the counter it read shows that nothing changed since the load read
 * the same counter, and the load's query began after that read.
 */
export class ReadModelCache<V> {
	/** Per database: one process may hold several (the tests do), and counters are per database. */
	private readonly byDatabase = new WeakMap<Executor, Map<string, Entry<V>>>();
	/** Loads under way, per database and key, with the counter each was started under. */
	private readonly loading = new WeakMap<Executor, Map<string, { counter: number; value: Promise<V> }>>();
	hits = 0;
	misses = 0;
	/** Requests answered by a load another request had started (no query of their own). */
	coalesced = 0;

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
		let loads = this.loading.get(db);
		if (!loads) this.loading.set(db, (loads = new Map()));
		const counter = await readCounter(db, this.name);
		const entry = entries.get(key);
		if (entry && entry.counter === counter && counter >= 0) {
			// Refresh its place in the LRU order.
			entries.delete(key);
			entries.set(key, entry);
			this.hits++;
			return entry.value;
		}
		const pending = loads.get(key);
		if (pending && pending.counter === counter && counter >= 0) {
			this.coalesced++;
			return pending.value;
		}
		this.misses++;
		const value = load();
		const mine = { counter, value };
		if (counter >= 0) loads.set(key, mine);
		try {
			const loaded = await value;
			// Never replace an answer read under a newer counter with an older one.
			const current = entries.get(key);
			if (counter >= 0 && !(current && current.counter > counter)) {
				entries.delete(key);
				entries.set(key, { counter, value: loaded });
				while (entries.size > this.maxEntries) {
					const oldest = entries.keys().next().value;
					if (oldest === undefined) break;
					entries.delete(oldest);
				}
			}
			return loaded;
		} finally {
			if (loads.get(key) === mine) loads.delete(key);
		}
	}

	/** Entries held for one database. */
	size(db: Executor): number {
		return this.byDatabase.get(db)?.size ?? 0;
	}
}

const registered: Array<ReadModelCache<unknown>> = [];

/** Hits and misses of the product's caches since the process started (for /metrics). */
export function cacheLookups(): Array<{ cache: CounterName; hits: number; misses: number; coalesced: number }> {
	return registered.map((c) => ({ cache: c.name, hits: c.hits, misses: c.misses, coalesced: c.coalesced }));
}
