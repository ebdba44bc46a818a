import { error } from '@sveltejs/kit';
import { createApi, raiseForLoad, type Requirement } from '$lib/api/client';
import { can } from '$lib/permissions';
import type { ImportRun, SourcingResult, XrayOutcome } from './types';
import type { PageLoad } from './$types';

/**
 * The requirement's sourcing: its X-ray query as built (nothing is searched on load), the results
 * found so far, and its SmartRecruiters imports.
 */
export const load: PageLoad = async ({ fetch, params, parent, depends }) => {
	depends('app:sourcing');
	const { user } = await parent();
	if (!can(user, 'use', 'sourcing')) error(403, 'Only recruiters and admins use sourcing');
	const api = createApi(fetch);
	try {
		const [requirement, xray, results, runs] = await Promise.all([
			api.get<Requirement>(`/requirements/${params.id}`),
			api.post<XrayOutcome>('/sourcing/linkedin-xray', { requirement_id: params.id, run: false }),
			api.get<{ items: SourcingResult[] }>(`/sourcing/results?requirement_id=${params.id}`),
			api.get<{ items: ImportRun[] }>(`/sourcing/smartrecruiters?requirement_id=${params.id}`)
		]);
		return { requirement, xray, results: results.items, runs: runs.items };
	} catch (err) {
		raiseForLoad(err);
	}
};
