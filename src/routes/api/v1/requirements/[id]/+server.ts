import { updateRequirementInput } from '$lib/schemas/requirements';
import { ok } from '$lib/server/http/envelope';
import { endpoint, requireUser } from '$lib/server/http/endpoint';
import { readJson } from '$lib/server/http/input';
import { idParam } from '$lib/server/http/params';
import { deleteRequirement, getRequirement, updateRequirement } from '$lib/server/requirements/service';

export const GET = endpoint(async (event, { rt, actor }) => {
	requireUser(event);
	return ok(await getRequirement(rt, actor, idParam(event.params.id, 'Requirement')));
});

/** Partial update based on `version`; a stale version → 409 with the current record. */
export const PATCH = endpoint(async (event, { rt, actor }) => {
	requireUser(event);
	const id = idParam(event.params.id, 'Requirement');
	return ok(await updateRequirement(rt, actor, id, await readJson(event, updateRequirementInput)), {
		message: 'Requirement updated'
	});
});

export const PUT = PATCH;

export const DELETE = endpoint(async (event, { rt, actor }) => {
	requireUser(event);
	await deleteRequirement(rt, actor, idParam(event.params.id, 'Requirement'));
	return ok(null, { message: 'Requirement deleted' });
});
