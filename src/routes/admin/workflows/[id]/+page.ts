import { createApi, raiseForLoad, type Workflow } from '$lib/api/client';
import { requireAdminOf } from '../../admin-guard';
import { loadWorkflowOptions } from '../workflow-options';
import type { PageLoad } from './$types';

export const load: PageLoad = async ({ fetch, params, parent }) => {
	const { user } = await parent();
	requireAdminOf(user, 'approval_workflow', 'approval workflows');
	try {
		const [workflow, options] = await Promise.all([
			createApi(fetch).get<Workflow>(`/approval-workflows/${params.id}`),
			loadWorkflowOptions(fetch)
		]);
		return { workflow, ...options };
	} catch (err) {
		raiseForLoad(err);
	}
};
