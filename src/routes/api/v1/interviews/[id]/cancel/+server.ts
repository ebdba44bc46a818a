import { z } from 'zod';
import { ok } from '$lib/server/http/envelope';
import { endpoint, requireUser } from '$lib/server/http/endpoint';
import { readJson } from '$lib/server/http/input';
import { idParam } from '$lib/server/http/params';
import { setInterviewStatus } from '$lib/server/interviews/service';

/** Marks the interview cancelled. */
export const POST = endpoint(async (event, { rt, actor }) => {
	requireUser(event);
	const id = idParam(event.params.id, 'Interview');
	const { version } = await readJson(event, z.object({ version: z.number().int().min(1).optional() }));
	return ok(await setInterviewStatus(rt, actor, id, 'cancelled', version));
});
