import { sourcingResultsQuery } from '$lib/schemas/sourcing';
import { ok } from '$lib/server/http/envelope';
import { endpoint, requireUser } from '$lib/server/http/endpoint';
import { readQuery } from '$lib/server/http/input';
import { listSourcingResults } from '$lib/server/sourcing/service';

/** `?requirement_id=` (and `origin`): the sourcing results of a requirement, newest first. */
export const GET = endpoint(async (event, { rt, actor }) => {
	requireUser(event);
	return ok({ items: await listSourcingResults(rt, actor, readQuery(event.url, sourcingResultsQuery)) });
});
