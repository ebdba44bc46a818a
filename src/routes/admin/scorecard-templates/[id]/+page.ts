import { createApi, raiseForLoad } from '$lib/api/client';
import type { ScorecardTemplateView } from '$lib/components/scorecard-template-types';
import { requireTemplateAdmin } from '../guard';
import type { PageLoad } from './$types';

export const load: PageLoad = async ({ fetch, params, parent }) => {
	const { user } = await parent();
	requireTemplateAdmin(user);
	try {
		return { template: await createApi(fetch).get<ScorecardTemplateView>(`/scorecard-templates/${params.id}`) };
	} catch (err) {
		raiseForLoad(err);
	}
};
