import { createUserInput, listUsersQuery } from '$lib/schemas/users';
import { created, paginated } from '$lib/server/http/envelope';
import { endpoint, requireUser } from '$lib/server/http/endpoint';
import { readJson, readQuery } from '$lib/server/http/input';
import { apiUser, createUser, listUsers } from '$lib/server/users/service';

export const GET = endpoint(async (event, { rt, actor }) => {
	requireUser(event);
	const q = readQuery(event.url, listUsersQuery);
	const page = await listUsers(rt, actor, {
		page: q.page,
		pageSize: q.page_size,
		q: q.q,
		role: q.role,
		active: q.active === undefined ? undefined : q.active === 'true'
	});
	return paginated(page, apiUser);
});

export const POST = endpoint(async (event, { rt, actor }) => {
	requireUser(event);
	const input = await readJson(event, createUserInput);
	return created(apiUser(await createUser(rt, actor, input)), 'User created');
});
