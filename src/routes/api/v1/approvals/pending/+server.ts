import { z } from 'zod';
import { listPendingApprovals } from '$lib/server/approvals/service';
import { ok } from '$lib/server/http/envelope';
import { endpoint, requireUser } from '$lib/server/http/endpoint';
import { readQuery } from '$lib/server/http/input';

/** My pending approvals (admins: `?all=true` for everyone's). */
export const GET = endpoint(async (event, { rt, actor }) => {
	requireUser(event);
	const { all } = readQuery(event.url, z.object({ all: z.enum(['true', 'false']).optional() }));
	const items = await listPendingApprovals(rt, actor, { all: all === 'true' });
	return ok({ items, pagination: { page: 1, page_size: items.length, total_items: items.length, total_pages: 1 } });
});
