import { inclusiveCheckInput } from '$lib/schemas/ai';
import { checkInclusiveLanguage } from '$lib/server/ai/writing';
import { ok } from '$lib/server/http/envelope';
import { endpoint, requireUser } from '$lib/server/http/endpoint';
import { readJson } from '$lib/server/http/input';

/** Gendered or exclusionary wording in a text: each flag with its category, offsets and alternatives. */
export const POST = endpoint(async (event, { rt, actor }) => {
	requireUser(event);
	const { text } = await readJson(event, inclusiveCheckInput);
	return ok(await checkInclusiveLanguage(rt, actor, text));
});
