import { can } from '$lib/permissions';
import { Forbidden, NotFound } from '$lib/server/errors';
import { ok } from '$lib/server/http/envelope';
import { endpoint, requireUser } from '$lib/server/http/endpoint';
import { uuidParam } from '$lib/server/http/input';
import { publicJob } from '$lib/server/jobs/execute';
import { getJobRow } from '$lib/server/jobs/rows';

/** A job's status and progress: its creator and admins may read it. */
export const GET = endpoint(async (event, { rt }) => {
	const user = requireUser(event);
	const id = uuidParam.safeParse(event.params.id);
	if (!id.success) throw new NotFound('Job');
	const row = await getJobRow(rt.db, id.data);
	if (!row) throw new NotFound('Job');
	if (!can(user, 'read', 'job', row.createdBy === user.id ? ['owner'] : [])) throw new Forbidden();
	return ok(publicJob(row));
});
