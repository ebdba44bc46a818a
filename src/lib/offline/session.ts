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

/** Users who signed out on this page: their local stores are closed and deleted. */
const signedOut = new Set<string>();

/** Sign-out has begun for `userId`: background work that still runs for them ends quietly. */
export function markSignedOut(userId: string): void {
	signedOut.add(userId);
}

/**
 * Whether `userId` signed out on this page. Nothing of theirs may be stored again, and a failure
 * of their background work is no failure: sign-out closes their databases under whatever was
 * still writing (an answer on its way, the offline kit, a replay), which has nothing left to do.
 */
export function hasSignedOut(userId: string | null): boolean {
	return !!userId && signedOut.has(userId);
}
