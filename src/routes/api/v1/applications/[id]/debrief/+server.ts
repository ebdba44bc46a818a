import { ok } from '$lib/server/http/envelope';
import { endpoint, requireUser } from '$lib/server/http/endpoint';
import { idParam } from '$lib/server/http/params';
import { debriefOf } from '$lib/server/interviews/scorecards';

/** Every submitted scorecard side by side, ratings per competency, recommendations counted. */
export const GET = endpoint(async (event, { rt, actor }) => {
	requireUser(event);
	return ok(await debriefOf(rt, actor, idParam(event.params.id, 'Application')));
});
