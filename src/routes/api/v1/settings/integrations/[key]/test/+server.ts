import { ok } from '$lib/server/http/envelope';
import { endpoint, requireUser } from '$lib/server/http/endpoint';
import { testIntegration } from '$lib/server/settings/test-connection';
import { integrationKeyOf } from '$lib/server/settings/service';

/** "Test connection": one real call with the settings in force; `ok` says how it went (admins). */
export const POST = endpoint(async (event, { rt, actor }) => {
	requireUser(event);
	const result = await testIntegration(rt, actor, integrationKeyOf(event.params.key));
	return ok(result, { message: result.ok ? 'Connection works' : 'Connection failed' });
});
