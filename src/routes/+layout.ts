import { browser } from '$app/environment';
import { clearAfterServerSignOut } from '$lib/offline/server-sign-out';
import { rememberSignedInUser } from '$lib/offline/session';
import type { LayoutLoad } from './$types';

/**
 * Passes the server's data on, and tells the offline layer who is signed in as soon as it is known:
 * the first load of a page runs before `page.data` exists, and its API answers go to that user's
 * record cache (so that later client-side navigations with no network find them). Also finishes
 * a sign-out that was posted before its page had hydrated (offline/server-sign-out.ts).
 */
export const load: LayoutLoad = ({ data }) => {
	if (browser) {
		rememberSignedInUser(data.user?.id ?? null);
		void clearAfterServerSignOut(data.user?.id ?? null);
	}
	return data;
};
