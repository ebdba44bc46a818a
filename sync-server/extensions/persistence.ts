import type {
	Document,
	Extension,
	Hocuspocus,
	onChangePayload,
	onLoadDocumentPayload,
	onStoreDocumentPayload
} from '@hocuspocus/server';
import { eq, sql } from 'drizzle-orm';
import * as Y from 'yjs';
import { documents } from '$lib/server/db/schema';
import type { Runtime } from '$lib/server/runtime';

/** Origin of updates the persistence layer applies (the stored state, merged in). */
export const PERSISTENCE_ORIGIN = '__persistence__';

export interface PersistenceOptions {
	/** Stores slower than this are counted and logged (hocuspocus#1110). */
	maxDebounceMs: number;
	/** Past this stored size a document refuses edits that would grow it. */
	maxDocumentBytes: number;
	/** Waits between the immediate retries of a failed store. */
	retryDelaysMs?: number[];
	/** Waits between the background retries of a document whose stores keep failing. */
	backgroundRetryDelaysMs?: number[];
}

/**
 * Stores each document as its compacted state (Y.encodeStateAsUpdate), one UPSERT per store.
 *
 * - Merge on store: under a per-document advisory lock, if the stored row was written by someone
 *   else since our last write (another sync process), its state is merged into ours first, so
 *   no process overwrites another's updates — Redis pub/sub does not guarantee delivery
 *   (hocuspocus#800) and the Redis extension's lock skips stores silently.
 * - Never throws into Hocuspocus (an unhandled rejection would crash the process). A failed
 *   store is retried, then the document is pinned in memory (not unloaded — hocuspocus#995)
 *   and retried in the background until it succeeds; the failure shows in /health/ready and
 *   in metrics. Once stored, a pinned document nobody uses is unloaded.
 * - Stores slower than the max debounce are counted and logged (hocuspocus#1110).
 * - Knows an upper bound of each loaded document's size, for the size cap.
 */
export class PersistenceExtension implements Extension {
	readonly extensionName = 'persistence';
	// Runs before the Redis extension (priority 1000).
	readonly priority = 1100;
	private instance: Hocuspocus | null = null;
	private readonly lastWrittenAt = new Map<string, number>();
	/** Upper bound of each loaded document's encoded state: exact at load/store, plus updates since. */
	private readonly sizeBound = new Map<string, number>();
	/** Per loaded document: changes seen, and how many of them the last successful store held. */
	private readonly versions = new WeakMap<Y.Doc, { changes: number; stored: number }>();
	private readonly failing = new Map<string, { error: string; attempt: number; timer: NodeJS.Timeout | null }>();
	private readonly retryDelaysMs: number[];
	private readonly backgroundRetryDelaysMs: number[];
	private stopped = false;

	constructor(
		private readonly rt: Runtime,
		private readonly options: PersistenceOptions
	) {
		this.retryDelaysMs = options.retryDelaysMs ?? [200, 1000];
		this.backgroundRetryDelaysMs = options.backgroundRetryDelaysMs ?? [2000, 5000, 10_000, 30_000, 60_000];
	}

	async onConfigure({ instance }: { instance: Hocuspocus }) {
		this.instance = instance;
	}

	async onLoadDocument({ documentName, document }: onLoadDocumentPayload) {
		let row: typeof documents.$inferSelect | undefined;
		try {
			[row] = await this.rt.db.select().from(documents).where(eq(documents.name, documentName));
		} catch (err) {
			this.rt.logger.error({ documentName, err: errorMessage(err) }, 'loading a document failed');
			// Hocuspocus drops the half-made document without destroying it, which leaks its
			// awareness timer (hocuspocus#1156); destroying the Y.Doc stops it.
			document.destroy();
			throw err;
		}
		this.sizeBound.set(documentName, row?.size ?? 0);
		if (row) {
			Y.applyUpdate(document, row.state, PERSISTENCE_ORIGIN);
			this.lastWrittenAt.set(documentName, row.updatedAt.getTime());
		}
		// Counted synchronously on every change, deletions included (they leave the state vector as
		// it was, so that cannot tell whether there is something new to store).
		const version = { changes: 0, stored: 0 };
		this.versions.set(document, version);
		document.on('update', () => version.changes++);
	}

	async onChange({ documentName, update }: onChangePayload) {
		this.sizeBound.set(documentName, (this.sizeBound.get(documentName) ?? 0) + update.byteLength);
	}

	async onStoreDocument({ documentName, document }: onStoreDocumentPayload) {
		await this.store(documentName, document);
	}

	async beforeUnloadDocument({ documentName }: { documentName: string }) {
		// Throwing here keeps the document loaded (Hocuspocus skips the unload). No message: the
		// failure is already logged and reported, Hocuspocus would print it again on every try.
		if (this.failing.has(documentName)) throw new Error('', { cause: `${documentName} has unsaved changes` });
	}

	async afterUnloadDocument({ documentName }: { documentName: string }) {
		if (this.instance?.documents.has(documentName)) return; // loaded again meanwhile
		this.lastWrittenAt.delete(documentName);
		this.sizeBound.delete(documentName);
	}

	/**
	 * May an update of `bytes` bytes be applied without taking the document past its cap?
	 * Cheap while the bound is under the cap; near the cap the exact size is measured.
	 */
	admitsUpdate(documentName: string, bytes: number): boolean {
		const cap = this.options.maxDocumentBytes;
		const bound = this.sizeBound.get(documentName) ?? 0;
		if (bound + bytes <= cap) return true;
		const document = this.instance?.documents.get(documentName);
		if (!document) return bytes <= cap;
		const exact = Y.encodeStateAsUpdate(document).byteLength;
		this.sizeBound.set(documentName, exact);
		return exact + bytes <= cap;
	}

	/** Null when every store succeeds; otherwise a short description for /health/ready. */
	problem(): string | null {
		if (this.failing.size === 0) return null;
		const [name, info] = this.failing.entries().next().value as [string, { error: string }];
		return `${this.failing.size} document(s) could not be stored (e.g. ${name}: ${info.error})`;
	}

	/**
	 * Stores one document now; true when it is safely in the database. Never throws. A document
	 * with nothing new since its last store is not written again: when stores are slow,
	 * Hocuspocus queues one per incoming update (hocuspocus#1110), and those then cost nothing.
	 */
	async store(documentName: string, document: Y.Doc): Promise<boolean> {
		const version = this.versions.get(document);
		if (version && version.stored === version.changes && !this.failing.has(documentName)) return true;
		for (let attempt = 0; ; attempt++) {
			try {
				await this.persistOnce(documentName, document);
				this.recovered(documentName);
				return true;
			} catch (err) {
				this.rt.metrics.collabStoreFailures.inc();
				const message = errorMessage(err);
				this.rt.logger.error({ documentName, attempt, err: message }, 'storing a document failed');
				if (attempt >= this.retryDelaysMs.length || this.stopped) {
					this.pin(documentName, document, message);
					return false;
				}
				await new Promise((resolve) => setTimeout(resolve, this.retryDelaysMs[attempt]));
			}
		}
	}

	/** Stores a loaded document under its save lock, so it never runs beside Hocuspocus's own store. */
	async storeExclusive(document: Document): Promise<boolean> {
		return document.saveMutex.runExclusive(() => this.store(document.name, document));
	}

	private async persistOnce(documentName: string, document: Y.Doc): Promise<void> {
		const started = performance.now();
		const version = this.versions.get(document);
		let stored: number | undefined;
		await this.rt.db.transaction(async (tx) => {
			await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${'doc:' + documentName}))`);
			const [current] = await tx
				.select({ updatedAt: documents.updatedAt })
				.from(documents)
				.where(eq(documents.name, documentName));
			const ours = this.lastWrittenAt.get(documentName);
			if (current && current.updatedAt.getTime() !== ours) {
				// Someone else wrote since we loaded or last stored: merge theirs into ours first.
				const [theirs] = await tx
					.select({ state: documents.state })
					.from(documents)
					.where(eq(documents.name, documentName));
				if (theirs) Y.applyUpdate(document, theirs.state, PERSISTENCE_ORIGIN);
			}
			const changes = version?.changes;
			const state = Y.encodeStateAsUpdate(document);
			const now = new Date(Math.max(Date.now(), (current?.updatedAt.getTime() ?? 0) + 1));
			await tx
				.insert(documents)
				.values({ name: documentName, state, size: state.byteLength, updatedAt: now })
				.onConflictDoUpdate({
					target: documents.name,
					set: { state, size: state.byteLength, updatedAt: now }
				});
			this.lastWrittenAt.set(documentName, now.getTime());
			this.sizeBound.set(documentName, state.byteLength);
			stored = changes;
		});
		if (version && stored !== undefined) version.stored = stored;
		const ms = performance.now() - started;
		this.rt.metrics.collabStoreDuration.observe(ms / 1000);
		if (ms > this.options.maxDebounceMs) {
			this.rt.metrics.collabSlowStores.inc();
			this.rt.logger.warn({ documentName, ms: Math.round(ms) }, 'document store slower than max debounce');
		}
	}

	private pin(documentName: string, document: Y.Doc, error: string) {
		const entry = this.failing.get(documentName) ?? { error, attempt: 0, timer: null };
		entry.error = error;
		this.failing.set(documentName, entry);
		if (entry.timer || this.stopped) return;
		const delays = this.backgroundRetryDelaysMs;
		const delay = delays[Math.min(entry.attempt, delays.length - 1)];
		entry.attempt++;
		entry.timer = setTimeout(() => {
			entry.timer = null;
			const loaded = this.instance?.documents.get(documentName);
			void (loaded === document ? this.storeExclusive(loaded) : this.store(documentName, document));
		}, delay);
	}

	private recovered(documentName: string) {
		const entry = this.failing.get(documentName);
		if (!entry) return;
		if (entry.timer) clearTimeout(entry.timer);
		this.failing.delete(documentName);
		this.rt.logger.info({ documentName }, 'document stored after earlier failures');
		// It was kept loaded only because of the failure: unload it once nobody uses it. Deferred,
		// because the store that got here may still hold the document's save lock.
		setTimeout(() => {
			const loaded = this.instance?.documents.get(documentName);
			if (loaded && this.instance?.shouldUnloadDocument(loaded)) void this.instance.unloadDocument(loaded);
		}, 0);
	}

	/** Stops background retries (shutdown). */
	stop(): void {
		this.stopped = true;
		for (const entry of this.failing.values()) {
			if (entry.timer) clearTimeout(entry.timer);
			entry.timer = null;
		}
	}

	/** Documents currently kept in memory because their store keeps failing. */
	pinnedDocuments(): string[] {
		return [...this.failing.keys()];
	}
}

function errorMessage(err: unknown): string {
	// drizzle wraps the driver's error ("Failed query: …") with the real reason as its cause
	const parts: string[] = [];
	let current: unknown = err;
	while (current instanceof Error && parts.length < 3) {
		parts.push(current.message.split('\n')[0]);
		current = current.cause;
	}
	return parts.length ? parts.join(' <- ') : String(err);
}
