import { decisionInput } from '$lib/schemas/workflows';
import { decideApproval } from '$lib/server/approvals/service';
import { ok } from '$lib/server/http/envelope';
import { endpoint, requireUser } from '$lib/server/http/endpoint';
import { readJson } from '$lib/server/http/input';
import { idParam } from '$lib/server/http/params';

/** Decision "approve" on one approval, with a comment. */
export const POST = endpoint(async (event, { rt, actor }) => {
	requireUser(event);
	const id = idParam(event.params.id, 'Approval');
	const { comment } = await readJson(event, decisionInput);
	return ok(await decideApproval(rt, actor, id, 'approve', comment));
});
