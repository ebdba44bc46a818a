import { ok } from '$lib/server/http/envelope';
import { endpoint, requireUser } from '$lib/server/http/endpoint';
import { idParam } from '$lib/server/http/params';
import { requirementHistory } from '$lib/server/requirements/history';

/** Every field change: who, when, from what to what (from the audit log). */
export const GET = endpoint(async (event, { rt, actor }) => {
	requireUser(event);
	return ok({ items: await requirementHistory(rt, actor, idParam(event.params.id, 'Requirement')) });
});
