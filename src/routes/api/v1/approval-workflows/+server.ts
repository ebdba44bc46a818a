import { z } from 'zod';
import { workflowInput } from '$lib/schemas/workflows';
import { createWorkflow, listWorkflows } from '$lib/server/approvals/workflows';
import { created, ok } from '$lib/server/http/envelope';
import { endpoint, requireUser } from '$lib/server/http/endpoint';
import { readJson, readQuery } from '$lib/server/http/input';

/** Workflows with their steps; `?subject_type=requirement|offer` to filter. */
export const GET = endpoint(async (event, { rt, actor }) => {
	requireUser(event);
	const { subject_type } = readQuery(
		event.url,
		z.object({ subject_type: z.enum(['requirement', 'offer']).optional() })
	);
	const items = await listWorkflows(rt, actor, subject_type);
	return ok({ items, pagination: { page: 1, page_size: items.length, total_items: items.length, total_pages: 1 } });
});

export const POST = endpoint(async (event, { rt, actor }) => {
	requireUser(event);
	return created(await createWorkflow(rt, actor, await readJson(event, workflowInput)), 'Workflow created');
});
