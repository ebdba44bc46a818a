import { requirementIdInput } from '$lib/schemas/ai';
import { requestMarketResearch } from '$lib/server/ai/market-research';
import { ok } from '$lib/server/http/envelope';
import { endpoint, requireUser } from '$lib/server/http/endpoint';
import { readJson } from '$lib/server/http/input';

/**
 * Market research for a requirement (talent availability, competing employers, typical titles
 * and skills) → 202 `{job_id}`; the saved run is at GET /requirements/:id/market-research.
 */
export const POST = endpoint(async (event, { rt, actor }) => {
	requireUser(event);
	const input = await readJson(event, requirementIdInput);
	return ok(await requestMarketResearch(rt, actor, input.requirement_id), {
		status: 202,
		message: 'Market research started'
	});
});
