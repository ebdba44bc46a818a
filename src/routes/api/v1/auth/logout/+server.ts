import { logout } from '$lib/server/auth/service';
import { clearSessionCookie } from '$lib/server/http/cookies';
import { ok } from '$lib/server/http/envelope';
import { endpoint } from '$lib/server/http/endpoint';
import { Unauthorized } from '$lib/server/errors';

/** Ends the current session (and its live connections). */
export const POST = endpoint(async (event, { rt, actor }) => {
	const session = event.locals.session;
	if (!session) throw new Unauthorized();
	await logout(rt, session.id, actor);
	clearSessionCookie(event.cookies, rt.config.secureCookies);
	return ok(null, { message: 'Signed out' });
});
