import { createApi, raiseForLoad, type JobLevel, type ListData, type Requirement } from '$lib/api/client';
import type { OfferView } from '$lib/components/offer-types';
import { bandOf } from '../band';
import type { PageLoad } from './$types';

/** The offer with its approval chain, and its requirement's level band (refetched on `app:offer`). */
export const load: PageLoad = async ({ fetch, params, depends }) => {
	depends('app:offer');
	const api = createApi(fetch);
	try {
		const offer = await api.get<OfferView>(`/offers/${params.id}`);
		const [requirement, levels] = await Promise.all([
			api.get<Requirement>(`/requirements/${offer.requirement_id}`),
			api.get<ListData<JobLevel>>('/job-levels')
		]);
		return {
			offer,
			requirement: {
				id: requirement.id,
				title: requirement.title,
				reference: requirement.reference,
				hiring_manager_id: requirement.hiring_manager_id,
				department_name: requirement.department_name
			},
			band: bandOf(requirement, levels.items)
		};
	} catch (err) {
		raiseForLoad(err);
	}
};
