import { updateUserInput } from '$lib/schemas/users';
import { NotFound } from '$lib/server/errors';
import { ok } from '$lib/server/http/envelope';
import { endpoint, requireUser } from '$lib/server/http/endpoint';
import { readJson, uuidParam } from '$lib/server/http/input';
import { apiUser, getUser, updateUser } from '$lib/server/users/service';

function userId(raw: string): string {
	const parsed = uuidParam.safeParse(raw);
	if (!parsed.success) throw new NotFound('User');
	return parsed.data;
}

export const GET = endpoint(async (event, { rt, actor }) => {
	requireUser(event);
	return ok(apiUser(await getUser(rt, actor, userId(event.params.id ?? ''))));
});

/** Name, role, active state, password reset, e-mail preferences. */
export const PATCH = endpoint(async (event, { rt, actor }) => {
	requireUser(event);
	const id = userId(event.params.id ?? '');
	const input = await readJson(event, updateUserInput);
	return ok(apiUser(await updateUser(rt, actor, id, input)), { message: 'User updated' });
});
