import { createApi, raiseForLoad, type ListData } from '$lib/api/client';
import type { ScorecardTemplateView } from '$lib/components/scorecard-template-types';
import { requireTemplateAdmin } from './guard';
import type { PageLoad } from './$types';

export const load: PageLoad = async ({ fetch, parent, depends }) => {
	depends('app:scorecard-templates');
	const { user } = await parent();
	requireTemplateAdmin(user);
	try {
		const list = await createApi(fetch).get<ListData<ScorecardTemplateView>>('/scorecard-templates');
		return { templates: list.items };
	} catch (err) {
		raiseForLoad(err);
	}
};
