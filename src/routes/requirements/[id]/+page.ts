import {
	createApi,
	raiseForLoad,
	type ChainRound,
	type Department,
	type JobLevel,
	type ListData,
	type Requirement,
	type TimelineEntry
} from '$lib/api/client';
import type { PageLoad } from './$types';

/** The requirement, its approval chain and its timeline (refetched on `app:requirement`). */
export const load: PageLoad = async ({ fetch, params, depends }) => {
	depends('app:requirement');
	const api = createApi(fetch);
	try {
		const [requirement, chain, timeline, departments, jobLevels] = await Promise.all([
			api.get<Requirement>(`/requirements/${params.id}`),
			api.get<{ rounds: ChainRound[] }>(`/requirements/${params.id}/approvals`),
			api.get<{ items: TimelineEntry[] }>(`/requirements/${params.id}/timeline`),
			api.get<ListData<Department>>('/departments'),
			api.get<ListData<JobLevel>>('/job-levels')
		]);
		return {
			requirement,
			rounds: chain.rounds,
			timeline: timeline.items,
			departments: departments.items,
			jobLevels: jobLevels.items
		};
	} catch (err) {
		raiseForLoad(err);
	}
};
