import { moveStageInput } from '$lib/schemas/candidates';
import { ok } from '$lib/server/http/envelope';
import { endpoint, requireUser } from '$lib/server/http/endpoint';
import { readJson } from '$lib/server/http/input';
import { idParam } from '$lib/server/http/params';
import { moveApplication } from '$lib/server/pipeline/service';

/** Moves an application: `{ stage, version, rejection_reason?, index? }`; illegal → 409 with why. */
export const PATCH = endpoint(async (event, { rt, actor }) => {
	requireUser(event);
	const id = idParam(event.params.id, 'Application');
	return ok(await moveApplication(rt, actor, id, await readJson(event, moveStageInput)));
});
