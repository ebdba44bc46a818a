import { ok } from '$lib/server/http/envelope';
import { endpoint, requireUser } from '$lib/server/http/endpoint';
import { idParam } from '$lib/server/http/params';
import { addSourcingResult } from '$lib/server/sourcing/service';

/** Adds a sourcing result to its requirement's pipeline (candidate with source `sourcing` + application). */
export const POST = endpoint(async (event, { rt, actor }) => {
	requireUser(event);
	const added = await addSourcingResult(rt, actor, idParam(event.params.id, 'Sourcing result'));
	return ok(added, { status: 201, message: 'Added to the pipeline' });
});
