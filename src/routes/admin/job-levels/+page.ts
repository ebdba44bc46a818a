import { createApi, raiseForLoad, type JobLevel, type ListData } from '$lib/api/client';
import { requireAdminOf } from '../admin-guard';
import type { PageLoad } from './$types';

export const load: PageLoad = async ({ fetch, parent, depends }) => {
	depends('app:job-levels');
	const { user } = await parent();
	requireAdminOf(user, 'job_level', 'job levels');
	try {
		const levels = await createApi(fetch).get<ListData<JobLevel>>('/job-levels');
		return { levels: levels.items };
	} catch (err) {
		raiseForLoad(err);
	}
};
