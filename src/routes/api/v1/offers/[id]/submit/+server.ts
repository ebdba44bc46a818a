import { ok } from '$lib/server/http/envelope';
import { endpoint, requireUser } from '$lib/server/http/endpoint';
import { idParam } from '$lib/server/http/params';
import { submitOffer } from '$lib/server/offers/service';

export const POST = endpoint(async (event, { rt, actor }) => {
	requireUser(event);
	return ok(await submitOffer(rt, actor, idParam(event.params.id, 'Offer')));
});
