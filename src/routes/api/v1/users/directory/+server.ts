import { ok } from '$lib/server/http/envelope';
import { endpoint, requireUser } from '$lib/server/http/endpoint';
import { userDirectory } from '$lib/server/users/service';

/** The active people (id, name, e-mail, role) for recruiters and admins picking an interview panel. */
export const GET = endpoint(async (event, { rt, actor }) => {
	requireUser(event);
	return ok({ items: await userDirectory(rt, actor) });
});
