import { clearUserData } from './clear';
import { CLEARED_FIELD } from './signed-out-mark';
import { unsyncedDocuments } from './documents';
import { sync } from './sync.svelte';

const WARNING =
	'Some of your changes have not reached the server yet (you were offline). ' +
	'Signing out now deletes them from this device and they will be lost.\n\nSign out anyway?';

/**
 * The sign-out form's submit handler: warns when changes are still waiting to sync, then removes
 * the user's data from this browser (live documents, cached pages) and posts the form.
 */
export function signOutHandler(userId: string) {
	let clearing = false;
	return async (event: SubmitEvent) => {
		const form = event.currentTarget;
		if (!(form instanceof HTMLFormElement)) return;
		event.preventDefault();
		if (clearing) return;
		const unsynced = unsyncedDocuments(userId).length > 0 || (sync.userId === userId && sync.pending > 0);
		if (unsynced && !confirm(WARNING)) return;
		clearing = true;
		try {
			await clearUserData(userId);
			// The server need not ask the next page to clear again (offline/signed-out-mark.ts).
			const field = form.elements.namedItem(CLEARED_FIELD);
			if (field instanceof HTMLInputElement) field.value = '1';
		} finally {
			// form.submit() posts without firing this handler again.
			form.submit();
		}
	};
}
