import { refreshSession } from '$lib/server/auth/service';
import { readSessionToken, setSessionCookie } from '$lib/server/http/cookies';
import { ok } from '$lib/server/http/envelope';
import { endpoint, requireUser } from '$lib/server/http/endpoint';
import { Unauthorized } from '$lib/server/errors';

/** Rotates the session token: a new one is issued and the old one stops working. */
export const POST = endpoint(async (event, { rt, actor }) => {
	const user = requireUser(event);
	const token = readSessionToken(event.request, event.cookies);
	if (!token) throw new Unauthorized();
	const issued = await refreshSession(rt, token, user, actor);
	setSessionCookie(event.cookies, issued.token, issued.expiresAt, rt.config.secureCookies);
	return ok({ user: issued.user, token: issued.token, expiresAt: issued.expiresAt });
});
