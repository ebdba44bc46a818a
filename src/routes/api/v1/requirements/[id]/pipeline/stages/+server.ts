import { stagesInput } from '$lib/schemas/candidates';
import { ok } from '$lib/server/http/envelope';
import { endpoint, requireUser } from '$lib/server/http/endpoint';
import { readJson } from '$lib/server/http/input';
import { idParam } from '$lib/server/http/params';
import { setPipelineStages } from '$lib/server/pipeline/service';

/** Renames, adds and reorders stages (admins); a stage in use cannot be removed. */
export const PUT = endpoint(async (event, { rt, actor }) => {
	requireUser(event);
	const id = idParam(event.params.id, 'Requirement');
	const input = await readJson(event, stagesInput);
	return ok(await setPipelineStages(rt, actor, id, input.stages, input.version), { message: 'Stages updated' });
});
