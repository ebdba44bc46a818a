import { z } from 'zod';
import { listNotifications } from '$lib/server/notifications/service';
import { ok } from '$lib/server/http/envelope';
import { endpoint, requireUser } from '$lib/server/http/endpoint';
import { readQuery } from '$lib/server/http/input';

/** My notifications, newest first, with my unread count. */
export const GET = endpoint(async (event, { rt }) => {
	const user = requireUser(event);
	const q = readQuery(
		event.url,
		z.object({
			unread: z.enum(['true', 'false']).optional(),
			page: z.coerce.number().int().min(1).default(1),
			page_size: z.coerce.number().int().min(1).max(100).default(20)
		})
	);
	const page = await listNotifications(rt.db, user.id, {
		unreadOnly: q.unread === 'true',
		page: q.page,
		pageSize: q.page_size
	});
	return ok({
		items: page.items,
		unread_count: page.unread,
		pagination: {
			page: page.page,
			page_size: page.pageSize,
			total_items: page.total,
			total_pages: Math.max(1, Math.ceil(page.total / page.pageSize))
		}
	});
});
