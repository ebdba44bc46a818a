import { ok } from '$lib/server/http/envelope';
import { endpoint, requireUser } from '$lib/server/http/endpoint';
import { idParam } from '$lib/server/http/params';
import { feedbackRevisions } from '$lib/server/interviews/scorecards';

/** Every submitted scorecard revision of the interview the caller may read (all revisions are kept). */
export const GET = endpoint(async (event, { rt, actor }) => {
	requireUser(event);
	const items = await feedbackRevisions(rt, actor, idParam(event.params.id, 'Interview'));
	return ok({ items, pagination: { page: 1, page_size: items.length, total_items: items.length, total_pages: 1 } });
});
