import { redirect } from '@sveltejs/kit';
import { NAVIGATION } from '$lib/permissions';
import type { LayoutServerLoad } from './$types';

/** Pages for people who are signing in or setting up. */
const SIGNED_OUT_PAGES = ['/login', '/setup'];

/**
 * The public site for candidates: job postings (cacheable by shared caches, none of the visitor's
 * data in them) and the candidate's offer page, reached by its signed link (`private, no-store`).
 * No session needed and no app shell.
 */
const PUBLIC_SITE = /^\/(careers|offer)(\/|$)/;

/**
 * Every other page needs a session; the navigation shows what the role can use.
 *
 * For a signed-in user this depends on the route, not on the address: a new query on the same
 * page (a search, a filter, the next page of a list) does not ask the server for this data
 * again, so it works offline, answered from the record cache by the page's own load.
 */
export const load: LayoutServerLoad = async ({ locals, url, route, untrack }) => {
	if (PUBLIC_SITE.test(route.id ?? untrack(() => url.pathname)))
		return { user: null, navigation: [], publicSite: true };
	const user = locals.user;
	if (!user) {
		if (!SIGNED_OUT_PAGES.includes(url.pathname)) {
			const next = url.pathname + url.search;
			redirect(303, next === '/' ? '/login' : `/login?next=${encodeURIComponent(next)}`);
		}
		return { user: null, navigation: [], publicSite: false };
	}
	return {
		user,
		navigation: NAVIGATION.filter((entry) => entry.allowed(user)).map(({ href, label }) => ({ href, label })),
		publicSite: false
	};
};
