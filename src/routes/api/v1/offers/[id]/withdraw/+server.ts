import { offerResponseInput } from '$lib/schemas/interviews';
import { ok } from '$lib/server/http/envelope';
import { endpoint, requireUser } from '$lib/server/http/endpoint';
import { readJson } from '$lib/server/http/input';
import { idParam } from '$lib/server/http/params';
import { withdrawOffer } from '$lib/server/offers/service';

export const POST = endpoint(async (event, { rt, actor }) => {
	requireUser(event);
	const { reason } = await readJson(event, offerResponseInput);
	return ok(await withdrawOffer(rt, actor, idParam(event.params.id, 'Offer'), reason));
});
