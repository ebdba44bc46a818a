import { openEventStream } from '$lib/server/events/stream';
import { endpoint, requireUser } from '$lib/server/http/endpoint';

/**
 * Server-sent events for the signed-in user: job progress, notifications. One stream per tab;
 * it ends when the session does.
 */
export const GET = endpoint(async (event, { rt }) => {
	const user = requireUser(event);
	return openEventStream(rt, user.id, event.locals.session?.id ?? null, event.request.signal);
});
