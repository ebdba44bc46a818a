import { closeLocalCopies, forgetUnsynced, userStoragePrefix } from './documents';
import { forgetKitMarks } from './prefetch';
import { outboxDatabaseName } from './outbox';
import { closeRecords, recordsDatabaseName } from './records';
import { markSignedOut } from './session';
import { closeSync } from './sync.svelte';
import { PAGES_CACHE_PREFIX } from './sw-rules';

/** Deletes one IndexedDB database; resolves also when another tab still holds it open. */
function deleteDatabase(name: string): Promise<void> {
	return new Promise((resolve) => {
		const request = indexedDB.deleteDatabase(name);
		request.onsuccess = () => resolve();
		request.onerror = () => resolve();
		// Another tab has it open: the deletion goes ahead as soon as that tab lets go.
		request.onblocked = () => resolve();
	});
}

/**
 * Removes what this browser keeps of `userId` (shared laptops, issue 6 part 6): the live
 * documents in IndexedDB (`hh:<userId>:…`), the record cache (`hh-records:<userId>`), the
 * outbox and its conflicts (`hh-outbox:<userId>`), the
 * marks of unsynced changes, and the service worker's cached pages.
 */
export async function clearUserData(userId: string): Promise<void> {
	const prefix = userStoragePrefix(userId);
	// First: what still runs for them (the kit, a replay, an answer on its way) ends quietly.
	markSignedOut(userId);
	await closeLocalCopies(userId);
	closeRecords(userId);
	closeSync(userId);
	if (typeof indexedDB !== 'undefined') await deleteDatabase(recordsDatabaseName(userId));
	if (typeof indexedDB !== 'undefined') await deleteDatabase(outboxDatabaseName(userId));
	if (typeof indexedDB !== 'undefined' && 'databases' in indexedDB) {
		const databases = await indexedDB.databases();
		await Promise.all(
			databases
				.map((db) => db.name)
				.filter((name): name is string => !!name && name.startsWith(prefix))
				.map(deleteDatabase)
		);
	}
	forgetUnsynced(userId);
	forgetKitMarks(userId);
	if (typeof caches !== 'undefined') {
		const names = await caches.keys();
		await Promise.all(names.filter((name) => name.startsWith(PAGES_CACHE_PREFIX)).map((name) => caches.delete(name)));
	}
}
