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

/** Every other page needs a session; the navigation shows what the role can use. */
export const load: LayoutServerLoad = async ({ locals, url }) => {
	if (PUBLIC_SITE.test(url.pathname)) return { user: null, navigation: [], publicSite: true };
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
