import { createCandidateInput, duplicateQuery, listCandidatesQuery } from '$lib/schemas/candidates';
import { listCandidates } from '$lib/server/candidates/list';
import { createCandidate } from '$lib/server/candidates/service';
import { created, paginatedShared } from '$lib/server/http/envelope';
import { endpoint, requireUser } from '$lib/server/http/endpoint';
import { readJson, readQuery } from '$lib/server/http/input';

/**
 * Candidates by text (incl. CV text), tag, source, requirement, stage, creation date. Pages
 * come from the list cache (the same object while nothing changed): serialised once each.
 */
export const GET = endpoint(async (event, { rt, actor }) => {
	requireUser(event);
	return paginatedShared(await listCandidates(rt, actor, readQuery(event.url, listCandidatesQuery)));
});

/** Creates a candidate; a duplicate → 409 with the match unless `?allow_duplicate=true`. */
export const POST = endpoint(async (event, { rt, actor }) => {
	requireUser(event);
	const { allow_duplicate } = readQuery(event.url, duplicateQuery);
	const input = await readJson(event, createCandidateInput);
	return created(
		await createCandidate(rt, actor, input, { allowDuplicate: allow_duplicate === 'true' }),
		'Candidate created'
	);
});
