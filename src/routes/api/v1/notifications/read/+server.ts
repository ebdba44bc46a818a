import { z } from 'zod';
import { markRead } from '$lib/server/notifications/service';
import { ok } from '$lib/server/http/envelope';
import { endpoint, requireUser } from '$lib/server/http/endpoint';
import { readJson } from '$lib/server/http/input';

/** Marks the given notifications read — or all of them with `{ "all": true }`. */
export const POST = endpoint(async (event, { rt }) => {
	const user = requireUser(event);
	const input = await readJson(
		event,
		z.union([z.object({ all: z.literal(true) }), z.object({ ids: z.array(z.string().uuid()).min(1).max(500) })])
	);
	const unread = await markRead({ rt }, user.id, 'all' in input ? 'all' : input.ids);
	return ok({ unread_count: unread });
});
