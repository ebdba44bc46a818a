import type { HocuspocusProvider } from '@hocuspocus/provider';
import { IndexeddbPersistence } from 'y-indexeddb';
import type * as Y from 'yjs';

/**
 * Live documents kept in this browser's IndexedDB (issue 6, part 2), one database per user and
 * document: `hh:<userId>:<documentName>`. Another user on the same browser opens other
 * databases and never sees these; signing out deletes them (`clear.ts`).
 *
 * Which documents hold edits the server has not confirmed yet is remembered across reloads in
 * localStorage (`hh:<userId>:unsynced`), so that signing out can warn first.
 */

export const userStoragePrefix = (userId: string) => `hh:${userId}:`;

export const localDatabaseName = (userId: string, documentName: string) =>
	`${userStoragePrefix(userId)}${documentName}`;

const unsyncedKey = (userId: string) => `${userStoragePrefix(userId)}unsynced`;

function readUnsynced(userId: string): Set<string> {
	try {
		const stored: unknown = JSON.parse(localStorage.getItem(unsyncedKey(userId)) ?? '[]');
		return new Set(Array.isArray(stored) ? stored.filter((n): n is string => typeof n === 'string') : []);
	} catch {
		return new Set();
	}
}

function writeUnsynced(userId: string, names: Set<string>): void {
	try {
		if (names.size === 0) localStorage.removeItem(unsyncedKey(userId));
		else localStorage.setItem(unsyncedKey(userId), JSON.stringify([...names]));
	} catch {
		// storage full or disabled: the warning on sign-out is best effort
	}
}

function setUnsynced(userId: string, name: string, unsynced: boolean): void {
	const names = readUnsynced(userId);
	if (names.has(name) === unsynced) return;
	if (unsynced) names.add(name);
	else names.delete(name);
	writeUnsynced(userId, names);
}

interface Kept {
	userId: string;
	name: string;
	provider: HocuspocusProvider;
	persistence: IndexeddbPersistence;
}

const kept = new Set<Kept>();

export interface LocalCopy {
	persistence: IndexeddbPersistence;
	/** Stops keeping the document (its stored copy stays). */
	release(): void;
}

/**
 * Keeps `doc` in IndexedDB for `userId`: what is stored loads into it at once (also with no
 * network), and every change is stored as it happens.
 */
export function keepLocally(userId: string, name: string, doc: Y.Doc, provider: HocuspocusProvider): LocalCopy {
	const persistence = new IndexeddbPersistence(localDatabaseName(userId, name), doc);
	const entry: Kept = { userId, name, provider, persistence };
	const onUpdate = (_update: Uint8Array, origin: unknown) => {
		// A change made here (not one loaded from the server or from IndexedDB).
		if (origin !== provider && origin !== persistence) setUnsynced(userId, name, true);
	};
	const onUnsynced = ({ number }: { number: number }) => {
		if (number === 0 && provider.isSynced) setUnsynced(userId, name, false);
	};
	doc.on('update', onUpdate);
	provider.on('unsyncedChanges', onUnsynced);
	kept.add(entry);
	let released = false;
	return {
		persistence,
		release() {
			if (released) return;
			released = true;
			doc.off('update', onUpdate);
			provider.off('unsyncedChanges', onUnsynced);
			kept.delete(entry);
			void persistence.destroy();
		}
	};
}

/** The documents of `userId` with changes the server has not confirmed (also from earlier visits). */
export function unsyncedDocuments(userId: string): string[] {
	return [...readUnsynced(userId)].sort();
}

/** Closes every open local copy of `userId`'s documents (before deleting them). */
export async function closeLocalCopies(userId: string): Promise<void> {
	const closing: Promise<void>[] = [];
	for (const entry of [...kept]) {
		if (entry.userId !== userId) continue;
		kept.delete(entry);
		closing.push(entry.persistence.destroy());
	}
	await Promise.all(closing);
}

/** Forgets the unsynced marks of `userId` (their documents are being deleted). */
export function forgetUnsynced(userId: string): void {
	writeUnsynced(userId, new Set());
}
