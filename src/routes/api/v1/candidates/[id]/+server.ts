import { updateCandidateInput } from '$lib/schemas/candidates';
import { deleteCandidate, getCandidate, updateCandidate } from '$lib/server/candidates/service';
import { ok } from '$lib/server/http/envelope';
import { endpoint, requireUser } from '$lib/server/http/endpoint';
import { readJson } from '$lib/server/http/input';
import { idParam } from '$lib/server/http/params';

/** A candidate with applications, documents and notes (a merged one shows `merged_into_id`). */
export const GET = endpoint(async (event, { rt, actor }) => {
	requireUser(event);
	return ok(await getCandidate(rt, actor, idParam(event.params.id, 'Candidate')));
});

export const PATCH = endpoint(async (event, { rt, actor }) => {
	requireUser(event);
	const id = idParam(event.params.id, 'Candidate');
	return ok(await updateCandidate(rt, actor, id, await readJson(event, updateCandidateInput)), {
		message: 'Candidate updated'
	});
});

export const DELETE = endpoint(async (event, { rt, actor }) => {
	requireUser(event);
	await deleteCandidate(rt, actor, idParam(event.params.id, 'Candidate'));
	return ok(null, { message: 'Candidate deleted' });
});
