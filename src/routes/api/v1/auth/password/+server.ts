import { changeOwnPasswordInput } from '$lib/schemas/users';
import { changeOwnPassword } from '$lib/server/auth/service';
import { setSessionCookie } from '$lib/server/http/cookies';
import { ok } from '$lib/server/http/envelope';
import { endpoint, requireUser } from '$lib/server/http/endpoint';
import { readJson } from '$lib/server/http/input';

/** Changes one's own password; every other session ends, this one gets a new token. */
export const POST = endpoint(async (event, { rt, actor }) => {
	const user = requireUser(event);
	const input = await readJson(event, changeOwnPasswordInput);
	const issued = await changeOwnPassword(rt, user, input.current_password, input.new_password, actor);
	setSessionCookie(event.cookies, issued.token, issued.expiresAt, rt.config.secureCookies);
	return ok({ user: issued.user, token: issued.token, expiresAt: issued.expiresAt }, { message: 'Password changed' });
});
