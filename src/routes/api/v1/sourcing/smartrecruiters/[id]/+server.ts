import { ok } from '$lib/server/http/envelope';
import { endpoint, requireUser } from '$lib/server/http/endpoint';
import { idParam } from '$lib/server/http/params';
import { getSmartRecruitersImport } from '$lib/server/sourcing/imports';

/** One import run: status, counts, progress and, when paused, why. */
export const GET = endpoint(async (event, { rt, actor }) => {
	requireUser(event);
	return ok(await getSmartRecruitersImport(rt, actor, idParam(event.params.id, 'Import run')));
});
