import { redirect } from '@sveltejs/kit';
import { logout } from '$lib/server/auth/service';
import { clearSessionCookie, setSignedOutCookie } from '$lib/server/http/cookies';
import { actorOf } from '$lib/server/http/endpoint';
import { getRuntime } from '$lib/server/registry';
import { CLEARED_FIELD } from '$lib/offline/signed-out-mark';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async () => redirect(303, '/');

export const actions: Actions = {
	default: async (event) => {
		const rt = getRuntime();
		if (event.locals.session) await logout(rt, event.locals.session.id, actorOf(event));
		clearSessionCookie(event.cookies, rt.config.secureCookies);
		// The page's sign-out handler clears the browser's copy of the user's data before it posts
		// (and says so); a form posted before the page had hydrated skipped it: the next page does it.
		const cleared = (await event.request.formData().catch(() => null))?.get(CLEARED_FIELD) === '1';
		if (event.locals.user && !cleared) setSignedOutCookie(event.cookies, event.locals.user.id, rt.config.secureCookies);
		redirect(303, '/login');
	}
};
