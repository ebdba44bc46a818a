import { can } from '$lib/permissions';
import { addApplicationInput } from '$lib/schemas/candidates';
import { Forbidden } from '$lib/server/errors';
import { created, ok } from '$lib/server/http/envelope';
import { endpoint, requireUser } from '$lib/server/http/endpoint';
import { readJson } from '$lib/server/http/input';
import { idParam } from '$lib/server/http/params';
import { addApplication, readBoard } from '$lib/server/pipeline/service';

/** The requirement's applications (its board's cards). */
export const GET = endpoint(async (event, { rt, actor }) => {
	const user = requireUser(event);
	if (!can(user, 'list', 'application')) throw new Forbidden();
	const board = await readBoard(rt, actor, idParam(event.params.id, 'Requirement'));
	return ok({
		items: board.cards,
		pagination: { page: 1, page_size: board.cards.length, total_items: board.cards.length, total_pages: 1 }
	});
});

/** Adds a candidate to the pipeline: `{ candidate_id, stage? }`. */
export const POST = endpoint(async (event, { rt, actor }) => {
	requireUser(event);
	const requirementId = idParam(event.params.id, 'Requirement');
	const input = await readJson(event, addApplicationInput);
	return created(
		await addApplication(rt, actor, requirementId, input.candidate_id, { stage: input.stage }),
		'Added to the pipeline'
	);
});
