import { z } from 'zod';
import { departmentUpdateInput } from '$lib/schemas/org';
import { NotFound } from '$lib/server/errors';
import { ok } from '$lib/server/http/envelope';
import { endpoint, requireUser } from '$lib/server/http/endpoint';
import { readJson, readQuery } from '$lib/server/http/input';
import { idParam } from '$lib/server/http/params';
import { deleteDepartment, listDepartments, updateDepartment } from '$lib/server/org/service';

export const GET = endpoint(async (event, { rt, actor }) => {
	requireUser(event);
	const id = idParam(event.params.id, 'Department');
	const found = (await listDepartments(rt, actor)).find((d) => d.id === id);
	if (!found) throw new NotFound('Department');
	return ok(found);
});

export const PATCH = endpoint(async (event, { rt, actor }) => {
	requireUser(event);
	const id = idParam(event.params.id, 'Department');
	return ok(await updateDepartment(rt, actor, id, await readJson(event, departmentUpdateInput)), {
		message: 'Department updated'
	});
});

export const DELETE = endpoint(async (event, { rt, actor }) => {
	requireUser(event);
	const id = idParam(event.params.id, 'Department');
	const { version } = readQuery(event.url, z.object({ version: z.coerce.number().int().min(1).optional() }));
	await deleteDepartment(rt, actor, id, version);
	return ok(null, { message: 'Department deleted' });
});
