import { z } from 'zod';
import { Forbidden } from '$lib/server/errors';
import { ok } from '$lib/server/http/envelope';
import { actorOf, endpoint } from '$lib/server/http/endpoint';
import { readJson } from '$lib/server/http/input';
import { idParam } from '$lib/server/http/params';
import { respondToOffer } from '$lib/server/offers/service';

/** The candidate declines, proving it with the signed link's token (no login). */
export const POST = endpoint(async (event, { rt }) => {
	const id = idParam(event.params.id, 'Offer');
	const { token, reason } = await readJson(
		event,
		z.object({ token: z.string().min(10).max(500), reason: z.string().trim().max(2000).nullable().optional() })
	);
	if (!token.startsWith(`${id}.`)) throw new Forbidden('This offer link is not valid');
	const actor = actorOf(event);
	return ok(await respondToOffer(rt, token, 'decline', reason ?? null, { ip: actor.ip, userAgent: actor.userAgent }));
});
