import { can } from '$lib/permissions';
import { Forbidden } from '$lib/server/errors';
import { ok } from '$lib/server/http/envelope';
import { endpoint, requireUser } from '$lib/server/http/endpoint';
import { idParam } from '$lib/server/http/params';
import { readBoard } from '$lib/server/pipeline/service';

/**
 * The board: its columns (stages) and cards, as stored in Postgres. A card carries its latest AI
 * screening for users who may read applications, and its next interview for those who may list
 * interviews (an approver sees the board without either).
 */
export const GET = endpoint(async (event, { rt, actor }) => {
	const user = requireUser(event);
	if (!can(user, 'read', 'pipeline')) throw new Forbidden();
	const board = await readBoard(rt, actor, idParam(event.params.id, 'Requirement'), {
		screening: can(user, 'read', 'application'),
		interviews: can(user, 'list', 'interview')
	});
	return ok({
		requirement_id: board.requirement.id,
		version: board.requirement.version,
		columns: board.columns,
		cards: board.cards
	});
});
