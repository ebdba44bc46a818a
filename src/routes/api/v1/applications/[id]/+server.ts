import { ok } from '$lib/server/http/envelope';
import { endpoint, requireUser } from '$lib/server/http/endpoint';
import { idParam } from '$lib/server/http/params';
import { getApplication } from '$lib/server/pipeline/service';

/** One application with its stage history (from, to, who, when, time in the previous stage). */
export const GET = endpoint(async (event, { rt, actor }) => {
	requireUser(event);
	return ok(await getApplication(rt, actor, idParam(event.params.id, 'Application')));
});
