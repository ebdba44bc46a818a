import { screeningBatch } from '$lib/server/ai/screening/service';
import { ok } from '$lib/server/http/envelope';
import { endpoint, requireUser } from '$lib/server/http/endpoint';
import { idParam } from '$lib/server/http/params';

/** Progress of a bulk screening (jobs by status) and the scores stored so far. */
export const GET = endpoint(async (event, { rt, actor }) => {
	requireUser(event);
	return ok(await screeningBatch(rt, actor, idParam(event.params.id, 'Screening batch')));
});
