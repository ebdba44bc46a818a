import { z } from 'zod';
import { listActivity } from '$lib/server/activity/service';
import { ok } from '$lib/server/http/envelope';
import { endpoint, requireUser } from '$lib/server/http/endpoint';
import { readQuery } from '$lib/server/http/input';

/** The activity feed, newest first: `?requirement_id=`, `?candidate_id=`, `?before=` (cursor), `?limit=`. */
export const GET = endpoint(async (event, { rt, actor }) => {
	requireUser(event);
	const q = readQuery(
		event.url,
		z.object({
			requirement_id: z.string().uuid().optional(),
			candidate_id: z.string().uuid().optional(),
			before: z.coerce.date().optional(),
			limit: z.coerce.number().int().min(1).max(200).default(50)
		})
	);
	const items = await listActivity(rt, actor, {
		requirementId: q.requirement_id,
		candidateId: q.candidate_id,
		before: q.before,
		limit: q.limit
	});
	return ok({ items, next_before: items.length === q.limit ? items[items.length - 1].createdAt : null });
});
