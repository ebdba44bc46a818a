import { markRead } from '$lib/server/notifications/service';
import { ok } from '$lib/server/http/envelope';
import { endpoint, requireUser } from '$lib/server/http/endpoint';
import { idParam } from '$lib/server/http/params';

export const POST = endpoint(async (event, { rt }) => {
	const user = requireUser(event);
	const unread = await markRead({ rt }, user.id, [idParam(event.params.id, 'Notification')]);
	return ok({ unread_count: unread });
});
