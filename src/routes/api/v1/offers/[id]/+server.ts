import { updateOfferInput } from '$lib/schemas/interviews';
import { ok } from '$lib/server/http/envelope';
import { endpoint, requireUser } from '$lib/server/http/endpoint';
import { readJson } from '$lib/server/http/input';
import { idParam } from '$lib/server/http/params';
import { getOffer, updateOffer } from '$lib/server/offers/service';

export const GET = endpoint(async (event, { rt, actor }) => {
	requireUser(event);
	return ok(await getOffer(rt, actor, idParam(event.params.id, 'Offer')));
});

/** Changes an offer (version-checked); salary/bonus/equity/start changes reset its approvals. */
export const PATCH = endpoint(async (event, { rt, actor }) => {
	requireUser(event);
	const id = idParam(event.params.id, 'Offer');
	return ok(await updateOffer(rt, actor, id, await readJson(event, updateOfferInput)));
});
