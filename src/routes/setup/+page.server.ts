import { fail, redirect } from '@sveltejs/kit';
import { registerInput } from '$lib/schemas/users';
import { formErrors } from '$lib/server/http/input';
import { isFirstRun, registerFirstUser } from '$lib/server/auth/service';
import { AppError } from '$lib/server/errors';
import { actorOf } from '$lib/server/http/endpoint';
import { setSessionCookie } from '$lib/server/http/cookies';
import { getRuntime } from '$lib/server/registry';
import type { Actions, PageServerLoad } from './$types';

/** First-run setup: only while no account exists. */
export const load: PageServerLoad = async () => {
	if (!(await isFirstRun(getRuntime()))) redirect(303, '/login');
	return {};
};

export const actions: Actions = {
	default: async (event) => {
		const rt = getRuntime();
		const form = await event.request.formData();
		const values = { name: String(form.get('name') ?? ''), email: String(form.get('email') ?? '') };
		const parsed = registerInput.safeParse({ ...values, password: String(form.get('password') ?? '') });
		if (!parsed.success) {
			return fail(422, { values, errors: formErrors(parsed.error) });
		}
		try {
			const issued = await registerFirstUser(rt, parsed.data, actorOf(event));
			setSessionCookie(event.cookies, issued.token, issued.expiresAt, rt.config.secureCookies);
		} catch (err) {
			if (err instanceof AppError) return fail(err.status, { values, errors: formErrors(err.message) });
			throw err;
		}
		redirect(303, '/');
	}
};
