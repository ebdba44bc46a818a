import { ok } from '$lib/server/http/envelope';
import { endpoint, requireUser } from '$lib/server/http/endpoint';
import { idParam } from '$lib/server/http/params';
import { requirementTimeline } from '$lib/server/requirements/history';

/** Status changes, approval decisions and comments, in order. */
export const GET = endpoint(async (event, { rt, actor }) => {
	requireUser(event);
	return ok({ items: await requirementTimeline(rt, actor, idParam(event.params.id, 'Requirement')) });
});
