import { mergeInput } from '$lib/schemas/candidates';
import { mergeCandidates } from '$lib/server/candidates/service';
import { ok } from '$lib/server/http/envelope';
import { endpoint, requireUser } from '$lib/server/http/endpoint';
import { readJson } from '$lib/server/http/input';
import { idParam } from '$lib/server/http/params';

/**
 * Merges `duplicate_id` into this candidate (it stays as a tombstone pointing here). The answer is
 * the survivor, with `merge`: how many applications moved and which were closed because both had
 * applied to the same requirement.
 */
export const POST = endpoint(async (event, { rt, actor }) => {
	requireUser(event);
	const id = idParam(event.params.id, 'Candidate');
	const { duplicate_id } = await readJson(event, mergeInput);
	const result = await mergeCandidates(rt, actor, id, duplicate_id);
	return ok({ ...result.candidate, merge: result.merge }, { message: 'Candidates merged' });
});
