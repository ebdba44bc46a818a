import { scorecardTemplateInput } from '$lib/schemas/interviews';
import { created, ok } from '$lib/server/http/envelope';
import { endpoint, requireUser } from '$lib/server/http/endpoint';
import { readJson } from '$lib/server/http/input';
import { createTemplate, listTemplates } from '$lib/server/interviews/scorecards';

export const GET = endpoint(async (event, { rt, actor }) => {
	requireUser(event);
	const items = await listTemplates(rt, actor);
	return ok({ items, pagination: { page: 1, page_size: items.length, total_items: items.length, total_pages: 1 } });
});

/** Creates a template: sections of named competencies, a 1–4 scale (admins). */
export const POST = endpoint(async (event, { rt, actor }) => {
	requireUser(event);
	return created(await createTemplate(rt, actor, await readJson(event, scorecardTemplateInput)), 'Template created');
});
