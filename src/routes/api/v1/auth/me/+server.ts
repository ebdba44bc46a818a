import { can } from '$lib/permissions';
import { ok } from '$lib/server/http/envelope';
import { endpoint, requireUser } from '$lib/server/http/endpoint';

/** The signed-in user and when their session ends. */
export const GET = endpoint(async (event) => {
	const user = requireUser(event);
	return ok({
		user,
		sessionExpiresAt: event.locals.session?.expiresAt,
		canManageUsers: can(user, 'manage', 'user')
	});
});
