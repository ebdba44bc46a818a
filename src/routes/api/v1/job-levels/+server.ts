import { jobLevelInput } from '$lib/schemas/org';
import { created, ok } from '$lib/server/http/envelope';
import { endpoint, requireUser } from '$lib/server/http/endpoint';
import { readJson } from '$lib/server/http/input';
import { createJobLevel, listJobLevels } from '$lib/server/org/service';

/** Job levels by rank, with their salary bands. */
export const GET = endpoint(async (event, { rt, actor }) => {
	requireUser(event);
	const items = await listJobLevels(rt, actor);
	return ok({ items, pagination: { page: 1, page_size: items.length, total_items: items.length, total_pages: 1 } });
});

export const POST = endpoint(async (event, { rt, actor }) => {
	requireUser(event);
	return created(await createJobLevel(rt, actor, await readJson(event, jobLevelInput)), 'Job level created');
});
