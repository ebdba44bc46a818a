import { page } from '$app/state';

/**
 * The signed-in user's id in the browser (from the root layout's data), or null on signed-out
 * pages and on the server. Everything kept offline is keyed by it.
 */
export function signedInUserId(): string | null {
	if (typeof window === 'undefined') return null;
	const user: unknown = page.data.user;
	return user && typeof user === 'object' && 'id' in user && typeof user.id === 'string' ? user.id : null;
}
