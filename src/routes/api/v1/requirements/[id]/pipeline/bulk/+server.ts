import { bulkActionInput } from '$lib/schemas/candidates';
import { ok } from '$lib/server/http/envelope';
import { endpoint, requireUser } from '$lib/server/http/endpoint';
import { readJson } from '$lib/server/http/input';
import { idParam } from '$lib/server/http/params';
import { bulkAction } from '$lib/server/pipeline/service';

/** Bulk move, reject (with a reason) or tag a selection of cards; results per card. */
export const POST = endpoint(async (event, { rt, actor }) => {
	requireUser(event);
	const id = idParam(event.params.id, 'Requirement');
	const results = await bulkAction(rt, actor, id, await readJson(event, bulkActionInput));
	return ok({ results, succeeded: results.filter((r) => r.ok).length, failed: results.filter((r) => !r.ok).length });
});
