import { eq, sql } from 'drizzle-orm';
import type { Executor } from '../db/client';
import { changeCounters } from '../db/schema';

/** The read models cached this way, each with its counter row (migrations 0008 and 0012). */
export type CounterName = 'requirements_list' | 'candidates_list';

interface Entry<V> {
	counter: number;
	value: V;
	weight: number;
}

/**
 * How a cache whose counter keeps a change log (`candidates_list`, migration 0013) brings an
 * answer up to date without its query: the changes since the answer's counter, then the answer
 * re-checked against them.
 */
export interface Recheck<V> {
	/**
	 * The counter now and the ids changed since `since`, read in one snapshot; `everything` when
	 * any answer may have changed; null when the log cannot tell (too old).
	 */
	changesSince(db: Executor, since: number): Promise<{ counter: number; changed: string[] | 'everything' } | null>;
	/** The answer as it is after these changes, or null when only its query can tell. */
	apply(db: Executor, value: V, changed: string[]): Promise<V | null>;
}

export interface CacheOptions<V> {
	recheck?: Recheck<V>;
	/** An answer's size (for example, characters of member lists), bounded by `maxWeight` in all. */
	weigh?: (value: V) => number;
	maxWeight?: number;
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
 * With a {@link Recheck}, an answer whose counter moved is first re-checked against the changed
 * rows (one snapshot of the counter and its change log, then those rows): it is stored under the
 * counter that snapshot read, which is no newer than the rows the re-check saw. Only when the
 * re-check cannot tell is the query run.
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
	private readonly weights = new WeakMap<Executor, { total: number }>();
	hits = 0;
	/** Lookups that ran the query. */
	misses = 0;
	/** Lookups answered by re-checking a stored answer against the changed rows (no query). */
	rechecked = 0;
	/** Requests answered by a load another request had started (no query of their own). */
	coalesced = 0;

	constructor(
		readonly name: CounterName,
		private readonly maxEntries = 256,
		/** Counted in {@link cacheLookups} (/metrics); tests' private caches are not. */
		register = false,
		private readonly options: CacheOptions<V> = {}
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
		// An answer stored under a newer counter (a re-check reads the counter again) is fresher still.
		if (entry && entry.counter >= counter && counter >= 0) {
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
		const { recheck } = this.options;
		const loaded =
			entry && recheck && counter >= 0
				? this.recheckOrQuery(db, recheck, entry, counter, load)
				: this.query(counter, load);
		const value = loaded.then((answer) => answer.value);
		// Its failure reaches the waiters, if any, and this request through `loaded`: not unhandled.
		value.catch(() => {});
		const mine = { counter, value };
		if (counter >= 0) loads.set(key, mine);
		try {
			const answer = await loaded;
			// Never replace an answer read under a newer counter with an older one.
			const current = entries.get(key);
			if (counter >= 0 && !(current && current.counter > answer.counter)) this.store(db, entries, key, answer);
			return answer.value;
		} finally {
			if (loads.get(key) === mine) loads.delete(key);
		}
	}

	/** Runs the query; its answer is stored under the counter read before it. */
	private async query(counter: number, load: () => Promise<V>) {
		this.misses++;
		return { counter, value: await load() };
	}

	private async recheckOrQuery(
		db: Executor,
		recheck: Recheck<V>,
		entry: Entry<V>,
		counter: number,
		load: () => Promise<V>
	) {
		const changes = await recheck.changesSince(db, entry.counter);
		if (changes && changes.changed !== 'everything') {
			const value = changes.changed.length ? await recheck.apply(db, entry.value, changes.changed) : entry.value;
			if (value !== null) {
				this.rechecked++;
				return { counter: changes.counter, value };
			}
		}
		return this.query(counter, load);
	}

	private store(db: Executor, entries: Map<string, Entry<V>>, key: string, answer: { counter: number; value: V }) {
		let weights = this.weights.get(db);
		if (!weights) this.weights.set(db, (weights = { total: 0 }));
		const drop = (k: string) => {
			weights.total -= entries.get(k)?.weight ?? 0;
			entries.delete(k);
		};
		drop(key);
		const weight = this.options.weigh?.(answer.value) ?? 0;
		entries.set(key, { counter: answer.counter, value: answer.value, weight });
		weights.total += weight;
		const maxWeight = this.options.maxWeight ?? Infinity;
		while (entries.size > this.maxEntries || (weights.total > maxWeight && entries.size > 1)) {
			const oldest = entries.keys().next().value;
			if (oldest === undefined) break;
			drop(oldest);
		}
	}

	/** Entries held for one database. */
	size(db: Executor): number {
		return this.byDatabase.get(db)?.size ?? 0;
	}
}

const registered: Array<ReadModelCache<unknown>> = [];

/** Hits and misses of the product's caches since the process started (for /metrics). */
export function cacheLookups(): Array<{
	cache: CounterName;
	hits: number;
	misses: number;
	rechecked: number;
	coalesced: number;
}> {
	return registered.map((c) => ({
		cache: c.name,
		hits: c.hits,
		misses: c.misses,
		rechecked: c.rechecked,
		coalesced: c.coalesced
	}));
}
