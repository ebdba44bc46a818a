import { auditQuery, listAuditLogs } from '$lib/server/audit/queries';
import { paginated } from '$lib/server/http/envelope';
import { endpoint, requireUser } from '$lib/server/http/endpoint';
import { readQuery } from '$lib/server/http/input';

/** The audit log (admins), filtered by entity, actor, action and time. */
export const GET = endpoint(async (event, { rt, actor }) => {
	requireUser(event);
	return paginated(await listAuditLogs(rt.db, actor, readQuery(event.url, auditQuery)));
});
