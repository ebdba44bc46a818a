import { commentInput } from '$lib/schemas/requirements';
import { created } from '$lib/server/http/envelope';
import { endpoint, requireUser } from '$lib/server/http/endpoint';
import { readJson } from '$lib/server/http/input';
import { idParam } from '$lib/server/http/params';
import { addComment } from '$lib/server/requirements/service';

export const POST = endpoint(async (event, { rt, actor }) => {
	requireUser(event);
	const id = idParam(event.params.id, 'Requirement');
	const { body } = await readJson(event, commentInput);
	return created(await addComment(rt, actor, id, body), 'Comment added');
});
