import { xrayInput } from '$lib/schemas/sourcing';
import { ok } from '$lib/server/http/envelope';
import { endpoint, requireUser } from '$lib/server/http/endpoint';
import { readJson } from '$lib/server/http/input';
import { runXray } from '$lib/server/sourcing/service';

/**
 * LinkedIn X-ray for a requirement: the built (or edited) Google query, and with Custom Search
 * configured its results stored as sourcing results (429 when today's quota is used up).
 */
export const POST = endpoint(async (event, { rt, actor }) => {
	requireUser(event);
	const outcome = await runXray(rt, actor, await readJson(event, xrayInput));
	return ok(outcome, { message: outcome.message });
});
