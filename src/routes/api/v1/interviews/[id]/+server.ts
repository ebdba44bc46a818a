import { updateInterviewInput } from '$lib/schemas/interviews';
import { ok } from '$lib/server/http/envelope';
import { endpoint, requireUser } from '$lib/server/http/endpoint';
import { readJson } from '$lib/server/http/input';
import { idParam } from '$lib/server/http/params';
import { getInterview, updateInterview } from '$lib/server/interviews/service';

export const GET = endpoint(async (event, { rt, actor }) => {
	requireUser(event);
	return ok(await getInterview(rt, actor, idParam(event.params.id, 'Interview')));
});

/** Reschedules / changes the panel (version-checked); the panel gets updated invitations. */
export const PATCH = endpoint(async (event, { rt, actor }) => {
	requireUser(event);
	const id = idParam(event.params.id, 'Interview');
	return ok(await updateInterview(rt, actor, id, await readJson(event, updateInterviewInput)));
});
