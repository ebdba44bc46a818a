import { createApi, raiseForLoad, type ListData, type Workflow } from '$lib/api/client';
import { requireAdminOf } from '../admin-guard';
import { loadWorkflowOptions } from './workflow-options';
import type { PageLoad } from './$types';

export const load: PageLoad = async ({ fetch, parent, depends }) => {
	depends('app:workflows');
	const { user } = await parent();
	requireAdminOf(user, 'approval_workflow', 'approval workflows');
	try {
		const [workflows, options] = await Promise.all([
			createApi(fetch).get<ListData<Workflow>>('/approval-workflows'),
			loadWorkflowOptions(fetch)
		]);
		return { workflows: workflows.items, ...options };
	} catch (err) {
		raiseForLoad(err);
	}
};
