import { can } from '$lib/permissions';
import { ok } from '$lib/server/http/envelope';
import { endpoint, requireUser } from '$lib/server/http/endpoint';
import { assignedDepartments } from '$lib/server/scope/departments';

/** The signed-in user, the departments they work for (none: the whole organisation), and when their session ends. */
export const GET = endpoint(async (event, { rt }) => {
	const user = requireUser(event);
	return ok({
		user: { ...user, departmentIds: await assignedDepartments(rt.db, user.id) },
		sessionExpiresAt: event.locals.session?.expiresAt,
		canManageUsers: can(user, 'manage', 'user')
	});
});
