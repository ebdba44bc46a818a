import { scorecardTemplateUpdateInput } from '$lib/schemas/interviews';
import { ok } from '$lib/server/http/envelope';
import { endpoint, requireUser } from '$lib/server/http/endpoint';
import { readJson } from '$lib/server/http/input';
import { idParam } from '$lib/server/http/params';
import { getTemplate, updateTemplate } from '$lib/server/interviews/scorecards';

export const GET = endpoint(async (event, { rt }) => {
	requireUser(event);
	return ok(await getTemplate(rt.db, idParam(event.params.id, 'Scorecard template')));
});

export const PATCH = endpoint(async (event, { rt, actor }) => {
	requireUser(event);
	const id = idParam(event.params.id, 'Scorecard template');
	return ok(await updateTemplate(rt, actor, id, await readJson(event, scorecardTemplateUpdateInput)));
});
