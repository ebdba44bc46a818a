import { workflowUpdateInput } from '$lib/schemas/workflows';
import { deleteWorkflow, getWorkflow, updateWorkflow } from '$lib/server/approvals/workflows';
import { ok } from '$lib/server/http/envelope';
import { endpoint, requireUser } from '$lib/server/http/endpoint';
import { readJson } from '$lib/server/http/input';
import { idParam } from '$lib/server/http/params';

export const GET = endpoint(async (event, { rt, actor }) => {
	requireUser(event);
	return ok(await getWorkflow(rt, actor, idParam(event.params.id, 'Approval workflow')));
});

/** Changes a workflow; new steps replace the old (chains in flight keep theirs). */
export const PATCH = endpoint(async (event, { rt, actor }) => {
	requireUser(event);
	const id = idParam(event.params.id, 'Approval workflow');
	return ok(await updateWorkflow(rt, actor, id, await readJson(event, workflowUpdateInput)), {
		message: 'Workflow updated'
	});
});

export const PUT = PATCH;

export const DELETE = endpoint(async (event, { rt, actor }) => {
	requireUser(event);
	await deleteWorkflow(rt, actor, idParam(event.params.id, 'Approval workflow'));
	return ok(null, { message: 'Workflow deleted' });
});
