import { departmentInput } from '$lib/schemas/org';
import { created, ok } from '$lib/server/http/envelope';
import { endpoint, requireUser } from '$lib/server/http/endpoint';
import { readJson } from '$lib/server/http/input';
import { createDepartment, listDepartments } from '$lib/server/org/service';

/** All departments (a flat list with parent ids: the client builds the tree). */
export const GET = endpoint(async (event, { rt, actor }) => {
	requireUser(event);
	const items = await listDepartments(rt, actor);
	return ok({ items, pagination: { page: 1, page_size: items.length, total_items: items.length, total_pages: 1 } });
});

export const POST = endpoint(async (event, { rt, actor }) => {
	requireUser(event);
	return created(await createDepartment(rt, actor, await readJson(event, departmentInput)), 'Department created');
});
