import { fail, redirect } from '@sveltejs/kit';
import { loginInput } from '$lib/schemas/users';
import { login } from '$lib/server/auth/service';
import { AppError } from '$lib/server/errors';
import { actorOf } from '$lib/server/http/endpoint';
import { setSessionCookie } from '$lib/server/http/cookies';
import { formErrors } from '$lib/server/http/input';
import { getRuntime } from '$lib/server/registry';
import type { Actions, PageServerLoad } from './$types';

/** Only same-site paths are followed after signing in (no open redirect). */
function safeNext(raw: string | null): string {
	return raw && raw.startsWith('/') && !raw.startsWith('//') && !raw.startsWith('/\\') ? raw : '/';
}

export const load: PageServerLoad = async ({ locals, url }) => {
	if (locals.user) redirect(303, safeNext(url.searchParams.get('next')));
	return {};
};

export const actions: Actions = {
	default: async (event) => {
		const rt = getRuntime();
		const form = await event.request.formData();
		const email = String(form.get('email') ?? '');
		const parsed = loginInput.safeParse({ email, password: String(form.get('password') ?? '') });
		if (!parsed.success) {
			return fail(422, { email, errors: formErrors(parsed.error) });
		}
		try {
			const issued = await login(rt, parsed.data, actorOf(event));
			setSessionCookie(event.cookies, issued.token, issued.expiresAt, rt.config.secureCookies);
		} catch (err) {
			if (err instanceof AppError) return fail(err.status, { email, errors: formErrors(err.message) });
			throw err;
		}
		redirect(303, safeNext(event.url.searchParams.get('next')));
	}
};
