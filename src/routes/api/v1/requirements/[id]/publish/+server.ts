import { publishInput } from '$lib/schemas/requirements';
import { ok } from '$lib/server/http/envelope';
import { endpoint, requireUser } from '$lib/server/http/endpoint';
import { readJson } from '$lib/server/http/input';
import { idParam } from '$lib/server/http/params';
import { setPublished } from '$lib/server/requirements/service';

/** Publishes an open requirement on the careers page, or takes it down. */
export const POST = endpoint(async (event, { rt, actor }) => {
	requireUser(event);
	const id = idParam(event.params.id, 'Requirement');
	const input = await readJson(event, publishInput);
	return ok(await setPublished(rt, actor, id, input.published, input.valid_through));
});
