import { getScreeningRun } from '$lib/server/ai/screening/service';
import { ok } from '$lib/server/http/envelope';
import { endpoint, requireUser } from '$lib/server/http/endpoint';
import { idParam } from '$lib/server/http/params';

/** One screening run: score, decision, evidence per requirement, strengths, gaps, red flags. */
export const GET = endpoint(async (event, { rt, actor }) => {
	requireUser(event);
	return ok(await getScreeningRun(rt, actor, idParam(event.params.id, 'Screening run')));
});
