import { registerInput } from '$lib/schemas/users';
import { registerFirstUser } from '$lib/server/auth/service';
import { setSessionCookie } from '$lib/server/http/cookies';
import { created } from '$lib/server/http/envelope';
import { endpoint } from '$lib/server/http/endpoint';
import { readJson } from '$lib/server/http/input';

/** First-run registration: open only while no user exists; the account becomes super_admin. */
export const POST = endpoint(async (event, { rt, actor }) => {
	const input = await readJson(event, registerInput);
	const issued = await registerFirstUser(rt, input, actor);
	setSessionCookie(event.cookies, issued.token, issued.expiresAt, rt.config.secureCookies);
	return created({ user: issued.user, token: issued.token, expiresAt: issued.expiresAt }, 'Account created');
});
