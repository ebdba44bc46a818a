import { ok } from '$lib/server/http/envelope';
import { endpoint, requireUser } from '$lib/server/http/endpoint';
import { offlineKit } from '$lib/server/offline/kit';

/**
 * The offline interview kit (issue 6, part 2): the caller's interviews of the next 7 days with
 * candidate summary, CV text, scorecard template and the live documents they may open, and the
 * boards of their requirements — one request, fetched ahead by the browser (`$lib/offline/prefetch`).
 */
export const GET = endpoint(async (event, { rt, actor }) => {
	const user = requireUser(event);
	return ok(await offlineKit(rt, actor, user));
});
