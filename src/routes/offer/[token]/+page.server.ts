import { fail } from '@sveltejs/kit';
import { AppError } from '$lib/server/errors';
import { actorOf } from '$lib/server/http/endpoint';
import { getRuntime } from '$lib/server/registry';
import { offerForLink, respondToOffer } from '$lib/server/offers/service';
import type { Actions, PageServerLoad } from './$types';

const REASONS: Record<string, string> = {
	malformed: 'This link is not a valid offer link.',
	tampered: 'This link is not valid: it was changed.',
	expired: 'This offer link has expired.',
	replaced: 'This link is no longer valid: the offer was changed or withdrawn.'
};

/** The candidate's offer page (no login): the terms, accept or decline. */
export const load: PageServerLoad = async ({ params, setHeaders }) => {
	setHeaders({ 'cache-control': 'private, no-store', 'referrer-policy': 'no-referrer' });
	const rt = getRuntime();
	const found = await offerForLink(rt, params.token);
	if (!found.ok)
		return {
			valid: false as const,
			reason: REASONS[found.reason],
			expired: found.reason === 'expired',
			orgName: rt.config.ORG_NAME
		};
	const o = found.offer;
	return {
		valid: true as const,
		orgName: rt.config.ORG_NAME,
		candidateName: found.candidateName,
		requirementTitle: found.requirementTitle,
		offer: {
			status: o.status,
			baseSalary: o.baseSalary,
			currency: o.currency,
			bonus: o.bonus,
			equity: o.equity,
			startDate: o.startDate,
			expiryDate: o.expiryDate,
			contractType: o.contractType,
			notes: o.notes,
			hasLetter: !!o.letterFileHash
		}
	};
};

async function respond(event: Parameters<Actions[string]>[0], decision: 'accept' | 'decline') {
	const form = await event.request.formData();
	const reason =
		String(form.get('reason') ?? '')
			.trim()
			.slice(0, 2000) || null;
	const actor = actorOf(event);
	try {
		const result = await respondToOffer(getRuntime(), event.params.token ?? '', decision, reason, {
			ip: actor.ip,
			userAgent: actor.userAgent
		});
		return { responded: result.status };
	} catch (err) {
		if (err instanceof AppError) return fail(err.status, { error: err.message });
		throw err;
	}
}

export const actions: Actions = {
	accept: (event) => respond(event, 'accept'),
	decline: (event) => respond(event, 'decline')
};
