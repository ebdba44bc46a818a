import { can } from '$lib/permissions';
import { chainOf } from '$lib/server/approvals/engine';
import { Forbidden } from '$lib/server/errors';
import { ok } from '$lib/server/http/envelope';
import { endpoint, requireUser } from '$lib/server/http/endpoint';
import { idParam } from '$lib/server/http/params';
import { getRequirement } from '$lib/server/requirements/service';

/** The approval chain: every round, each step's state, each approver's decision. */
export const GET = endpoint(async (event, { rt, actor }) => {
	const user = requireUser(event);
	if (!can(user, 'read', 'approval')) throw new Forbidden();
	const requirement = await getRequirement(rt, actor, idParam(event.params.id, 'Requirement'));
	return ok({ rounds: await chainOf(rt.db, 'requirement', requirement.id) });
});
