/**
 * The signed-in user's outbox in the browser (issue 6 parts 4–7): opens `hh-outbox:<userId>`,
 * applies queued writes to the record cache, replays on reconnect, on app start and every few
 * seconds while changes wait, and keeps the counts the status indicator and its panel show.
 * A 401 during replay stops it and asks for the password (`sync.needsSignIn`); only the same user
 * signing in resumes it — another user's outbox is another database and is never opened.
 */
import {
	Outbox,
	type ConflictEntry,
	type OutboxEntry,
	type RefusedMove,
	type ReplayOutcome,
	type WriteMethod
} from './outbox';
import {
	cacheCreated,
	cachedRecordAt,
	cacheRecord,
	kindOfPath,
	parentIdsOf,
	removeRecord,
	renameRecord
} from './records';
import { hasSignedOut } from './session';

const RETRY_MS = 5_000;

export const sync = $state({
	userId: null as string | null,
	pending: 0,
	conflicts: 0,
	syncing: false,
	needsSignIn: false,
	entries: [] as OutboxEntry[],
	conflictList: [] as ConflictEntry[]
});

let outbox: Outbox | null = null;
let timer: ReturnType<typeof setInterval> | null = null;

const isOnline = () => typeof navigator === 'undefined' || navigator.onLine;

let refreshing: Promise<void> | null = null;
let refreshAgain = false;

/**
 * Re-reads the counts and lists, at most one read at a time: calls made meanwhile are folded into
 * one more read after it (a replay of 1,000 entries asks after each one, and each read lists
 * every entry left).
 */
function refresh(): Promise<void> {
	if (refreshing) {
		refreshAgain = true;
		return refreshing;
	}
	refreshing = (async () => {
		try {
			do {
				refreshAgain = false;
				await readOutbox();
			} while (refreshAgain);
		} finally {
			refreshing = null;
		}
	})();
	return refreshing;
}

/**
 * The counts always; the lists only while the panel shows them. Reading every entry left after
 * each replayed one made a replay quadratic, and the read holds the entries store that the
 * replay writes.
 */
async function readOutbox(): Promise<void> {
	if (!outbox) return;
	const current = outbox;
	try {
		await readCounts(current);
	} catch (error) {
		// Closed under the read (sign-out, another user): nothing left to show.
		if (outbox !== current && hasSignedOut(current.userId)) return;
		throw error;
	}
}

async function readCounts(current: Outbox): Promise<void> {
	if (syncPanel.open) {
		const [entries, conflictList] = await Promise.all([current.pending(), current.conflicts()]);
		if (outbox !== current) return;
		sync.entries = entries;
		sync.conflictList = conflictList;
		sync.pending = entries.length;
		sync.conflicts = conflictList.length;
	} else {
		const counts = await current.counts();
		if (outbox !== current) return;
		sync.pending = counts.pending;
		sync.conflicts = counts.conflicts;
	}
	sync.needsSignIn = current.needsSignIn;
}

/** Re-reads the outbox (the panel calls it when it opens, to show the lists). */
export function refreshSync(): Promise<void> {
	return refresh();
}

function collectionOf(path: string): string {
	const segments = path.split('?')[0].split('/').filter(Boolean);
	return '/' + segments.slice(0, segments.length - 1).join('/');
}

function open(userId: string): Outbox {
	return new Outbox(userId, (input, init) => fetch(input, init), {
		cached: cachedRecordAt,
		apply: async (path, fields) => {
			const shape = kindOfPath(path);
			if (!shape?.detailId) return;
			const record = { ...fields, id: shape.detailId };
			if (shape.detailId.startsWith('tmp-'))
				await cacheCreated(shape.kind, collectionOf(path), { ...parentIdsOf(path), ...record });
			else await cacheRecord(shape.kind, record);
		},
		remove: async (path) => {
			const shape = kindOfPath(path);
			if (shape?.detailId) await removeRecord(shape.kind, shape.detailId);
		},
		rename: async (path, tempId, record) => {
			const shape = kindOfPath(path);
			if (shape && typeof record.id === 'string')
				await renameRecord(shape.kind, tempId, { ...record, id: record.id }, collectionOf(path));
		},
		changed: () => void refresh()
	});
}

/** Opens the user's outbox (closing another user's), replays it and keeps retrying. */
export function startSync(userId: string): () => void {
	if (typeof indexedDB === 'undefined') return () => {};
	if (outbox?.userId !== userId) {
		outbox?.close();
		outbox = open(userId);
		sync.userId = userId;
	}
	void refresh().then(() => replayNow());
	const onOnline = () => void replayNow();
	// A request of the replay still waiting when the network goes is dead: give it up at once.
	const onOffline = () => outbox?.interrupt();
	window.addEventListener('online', onOnline);
	window.addEventListener('offline', onOffline);
	timer ??= setInterval(() => {
		if (sync.pending > 0 && !sync.needsSignIn) void replayNow();
	}, RETRY_MS);
	return () => {
		window.removeEventListener('online', onOnline);
		window.removeEventListener('offline', onOffline);
		if (timer) clearInterval(timer);
		timer = null;
	};
}

/** The outbox of `userId` if it is the one open (writes of the signed-in user only). */
export function outboxFor(userId: string | null): Outbox | null {
	if (!userId || typeof indexedDB === 'undefined') return null;
	if (outbox?.userId !== userId) {
		outbox?.close();
		outbox = open(userId);
		sync.userId = userId;
	}
	return outbox;
}

export async function replayNow(): Promise<ReplayOutcome | null> {
	if (!outbox || !isOnline()) return null;
	const current = outbox;
	sync.syncing = true;
	try {
		return await current.replay();
	} catch (error) {
		// The user signed out during the replay: their outbox is closed and deleted.
		if (hasSignedOut(current.userId)) return null;
		throw error;
	} finally {
		sync.syncing = false;
		await refresh();
	}
}

/** Queues a write (called by the API client when offline or on a network error). */
export async function queueWrite(
	userId: string,
	method: WriteMethod,
	path: string,
	body: unknown,
	key: string
): Promise<Record<string, unknown> | null> {
	const box = outboxFor(userId);
	if (!box) return null;
	const optimistic = await box.enqueue(method, path, body, key);
	await refresh();
	return optimistic;
}

/** After the password prompt: only the user whose outbox this is may resume it. */
export async function signedInAgain(userId: string): Promise<void> {
	if (!outbox || outbox.userId !== userId) return;
	sync.needsSignIn = false;
	await outbox.resume();
	await refresh();
}

/** Board moves the sync server refused: listed with the other conflicts (persisted per user). */
export async function noteRefusedMoves(userId: string | null, moves: RefusedMove[]): Promise<void> {
	const box = outboxFor(userId);
	if (!box) return;
	await box.recordRefusedMoves(moves);
	await refresh();
}

export async function keepMine(conflict: ConflictEntry): Promise<void> {
	if (!outbox) return;
	const current = conflict.path ? await cachedRecordAt(conflict.path) : null;
	const version = current && typeof current.version === 'number' ? current.version : null;
	await outbox.keepMine(conflict.id, version);
	await refresh();
	void replayNow();
}

export async function keepTheirs(conflict: ConflictEntry): Promise<void> {
	await outbox?.keepTheirs(conflict.id);
	await refresh();
}

/** Closes the user's outbox before its database is deleted (sign-out). */
export function closeSync(userId: string): void {
	if (outbox?.userId !== userId) return;
	outbox.close();
	outbox = null;
	Object.assign(sync, { userId: null, pending: 0, conflicts: 0, entries: [], conflictList: [], needsSignIn: false });
}

/** Whether the pending-changes panel is open (the status indicator toggles it). */
export const syncPanel = $state({ open: false });
