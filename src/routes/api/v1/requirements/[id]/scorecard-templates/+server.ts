import { requirementTemplatesInput } from '$lib/schemas/interviews';
import { ok } from '$lib/server/http/envelope';
import { endpoint, requireUser } from '$lib/server/http/endpoint';
import { readJson } from '$lib/server/http/input';
import { idParam } from '$lib/server/http/params';
import { setRequirementTemplates } from '$lib/server/interviews/scorecards';

/** Picks the scorecard template of each interview type for this requirement. */
export const PUT = endpoint(async (event, { rt, actor }) => {
	requireUser(event);
	const id = idParam(event.params.id, 'Requirement');
	const { templates } = await readJson(event, requirementTemplatesInput);
	return ok({ items: await setRequirementTemplates(rt, actor, id, templates as Record<string, string | null>) });
});
