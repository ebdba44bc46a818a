import { integrationInputs } from '$lib/schemas/settings';
import { ok } from '$lib/server/http/envelope';
import { endpoint, requireUser } from '$lib/server/http/endpoint';
import { readJson } from '$lib/server/http/input';
import { getIntegration, integrationKeyOf, updateIntegration } from '$lib/server/settings/service';

/** One integration, secrets masked (admins). */
export const GET = endpoint(async (event, { rt, actor }) => {
	requireUser(event);
	return ok(await getIntegration(rt, actor, integrationKeyOf(event.params.key)));
});

/**
 * Changes an integration (admins): a value sets a field, null clears it, a field left out is
 * kept. Secrets are stored encrypted and come back masked.
 */
export const PUT = endpoint(async (event, { rt, actor }) => {
	requireUser(event);
	const key = integrationKeyOf(event.params.key);
	const input = await readJson(event, integrationInputs[key]);
	return ok(await updateIntegration(rt, actor, key, input), { message: 'Integration settings saved' });
});
