import { transitionInput } from '$lib/schemas/requirements';
import { ok } from '$lib/server/http/envelope';
import { endpoint, requireUser } from '$lib/server/http/endpoint';
import { readJson } from '$lib/server/http/input';
import { idParam } from '$lib/server/http/params';
import { transitionRequirement } from '$lib/server/requirements/service';

/** Lifecycle action "cancel" (409 with the allowed actions when illegal from the current status). */
export const POST = endpoint(async (event, { rt, actor }) => {
	requireUser(event);
	const id = idParam(event.params.id, 'Requirement');
	const input = await readJson(event, transitionInput);
	return ok(await transitionRequirement(rt, actor, id, 'cancel', { comment: input.comment, version: input.version }));
});
