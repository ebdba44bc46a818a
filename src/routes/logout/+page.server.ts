import { redirect } from '@sveltejs/kit';
import { logout } from '$lib/server/auth/service';
import { clearSessionCookie } from '$lib/server/http/cookies';
import { actorOf } from '$lib/server/http/endpoint';
import { getRuntime } from '$lib/server/registry';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async () => redirect(303, '/');

export const actions: Actions = {
	default: async (event) => {
		const rt = getRuntime();
		if (event.locals.session) await logout(rt, event.locals.session.id, actorOf(event));
		clearSessionCookie(event.cookies, rt.config.secureCookies);
		redirect(303, '/login');
	}
};
