import { noteInput } from '$lib/schemas/candidates';
import { addCandidateNote } from '$lib/server/candidates/service';
import { created } from '$lib/server/http/envelope';
import { endpoint, requireUser } from '$lib/server/http/endpoint';
import { readJson } from '$lib/server/http/input';
import { idParam } from '$lib/server/http/params';

export const POST = endpoint(async (event, { rt, actor }) => {
	requireUser(event);
	const id = idParam(event.params.id, 'Candidate');
	const { body } = await readJson(event, noteInput);
	return created(await addCandidateNote(rt, actor, id, body), 'Note added');
});
