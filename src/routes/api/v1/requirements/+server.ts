import { createRequirementInput, listRequirementsQuery } from '$lib/schemas/requirements';
import { created, paginated } from '$lib/server/http/envelope';
import { endpoint, requireUser } from '$lib/server/http/endpoint';
import { readJson, readQuery } from '$lib/server/http/input';
import { createRequirement, listRequirements } from '$lib/server/requirements/service';

/** Requirements filtered by status, department, hiring manager and text; paginated. */
export const GET = endpoint(async (event, { rt, actor }) => {
	requireUser(event);
	return paginated(await listRequirements(rt, actor, readQuery(event.url, listRequirementsQuery)));
});

/** Creates a draft requirement. */
export const POST = endpoint(async (event, { rt, actor }) => {
	requireUser(event);
	return created(
		await createRequirement(rt, actor, await readJson(event, createRequirementInput)),
		'Requirement created'
	);
});
