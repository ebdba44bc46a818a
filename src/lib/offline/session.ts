import { page } from '$app/state';

/** The user the root layout's load was given on this page (set before the page's data exists). */
let loadedUser: string | null = null;

/**
 * Called by the root layout's load with the server's answer: while the page first loads (and
 * hydrates), `page.data` is still empty, yet the loads' answers must reach the user's record cache.
 */
export function rememberSignedInUser(userId: string | null): void {
	loadedUser = userId;
}

/**
 * The signed-in user's id in the browser (from the root layout's data), or null on signed-out
 * pages and on the server. Everything kept offline is keyed by it.
 */
export function signedInUserId(): string | null {
	if (typeof window === 'undefined') return null;
	const user: unknown = page.data.user;
	if (user && typeof user === 'object' && 'id' in user && typeof user.id === 'string') return user.id;
	return 'user' in page.data ? null : loadedUser;
}
