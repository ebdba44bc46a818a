import { z } from 'zod';
import { jobLevelUpdateInput } from '$lib/schemas/org';
import { NotFound } from '$lib/server/errors';
import { ok } from '$lib/server/http/envelope';
import { endpoint, requireUser } from '$lib/server/http/endpoint';
import { readJson, readQuery } from '$lib/server/http/input';
import { idParam } from '$lib/server/http/params';
import { deleteJobLevel, listJobLevels, updateJobLevel } from '$lib/server/org/service';

export const GET = endpoint(async (event, { rt, actor }) => {
	requireUser(event);
	const id = idParam(event.params.id, 'Job level');
	const found = (await listJobLevels(rt, actor)).find((l) => l.id === id);
	if (!found) throw new NotFound('Job level');
	return ok(found);
});

export const PATCH = endpoint(async (event, { rt, actor }) => {
	requireUser(event);
	const id = idParam(event.params.id, 'Job level');
	return ok(await updateJobLevel(rt, actor, id, await readJson(event, jobLevelUpdateInput)), {
		message: 'Job level updated'
	});
});

export const DELETE = endpoint(async (event, { rt, actor }) => {
	requireUser(event);
	const id = idParam(event.params.id, 'Job level');
	const { version } = readQuery(event.url, z.object({ version: z.coerce.number().int().min(1).optional() }));
	await deleteJobLevel(rt, actor, id, version);
	return ok(null, { message: 'Job level deleted' });
});
