import { loginInput } from '$lib/schemas/users';
import { login } from '$lib/server/auth/service';
import { setSessionCookie } from '$lib/server/http/cookies';
import { ok } from '$lib/server/http/envelope';
import { endpoint } from '$lib/server/http/endpoint';
import { readJson } from '$lib/server/http/input';

/** Signs in: sets the session cookie and returns the same token for API clients (Bearer). */
export const POST = endpoint(async (event, { rt, actor }) => {
	const input = await readJson(event, loginInput);
	const issued = await login(rt, input, actor);
	setSessionCookie(event.cookies, issued.token, issued.expiresAt, rt.config.secureCookies);
	return ok({ user: issued.user, token: issued.token, expiresAt: issued.expiresAt }, { message: 'Signed in' });
});
