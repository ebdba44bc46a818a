import { z } from 'zod';
import { OFFER_STATUSES } from '$lib/domain/interviews';
import { createOfferInput } from '$lib/schemas/interviews';
import { created, paginated } from '$lib/server/http/envelope';
import { endpoint, requireUser } from '$lib/server/http/endpoint';
import { readJson, readQuery } from '$lib/server/http/input';
import { createOffer, listOffers } from '$lib/server/offers/service';

export const GET = endpoint(async (event, { rt, actor }) => {
	requireUser(event);
	const q = readQuery(
		event.url,
		z.object({
			page: z.coerce.number().int().min(1).default(1),
			page_size: z.coerce.number().int().min(1).max(100).default(20),
			status: z.enum(OFFER_STATUSES).optional(),
			requirement_id: z.string().uuid().optional(),
			application_id: z.string().uuid().optional()
		})
	);
	return paginated(await listOffers(rt, actor, q));
});

/** Drafts an offer for an application. */
export const POST = endpoint(async (event, { rt, actor }) => {
	requireUser(event);
	return created(await createOffer(rt, actor, await readJson(event, createOfferInput)), 'Offer drafted');
});
