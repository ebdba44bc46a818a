import { endpoint, requireUser } from '$lib/server/http/endpoint';
import { reportResponse } from '$lib/server/reports/http';

/** The requirements report (`?department_id=&requirement_id=&from=&to=&format=csv`). */
export const GET = endpoint(async (event, { rt, actor }) => {
	requireUser(event);
	return reportResponse(event, rt, actor, 'requirements');
});
