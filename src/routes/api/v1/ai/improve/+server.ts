import { improveInput } from '$lib/schemas/ai';
import { improveText } from '$lib/server/ai/writing';
import { ok } from '$lib/server/http/envelope';
import { endpoint, requireUser } from '$lib/server/http/endpoint';
import { readJson } from '$lib/server/http/input';

/**
 * "Improve this paragraph": the text rewritten (clear, concise, inclusive), with the list of
 * changes and where it came from (`source`). The editor offers it as a suggestion.
 */
export const POST = endpoint(async (event, { rt, actor }) => {
	requireUser(event);
	return ok(await improveText(rt, actor, await readJson(event, improveInput)));
});
