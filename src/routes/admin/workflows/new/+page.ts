import { raiseForLoad } from '$lib/api/client';
import { requireAdminOf } from '../../admin-guard';
import { loadWorkflowOptions } from '../workflow-options';
import type { PageLoad } from './$types';

export const load: PageLoad = async ({ fetch, parent }) => {
	const { user } = await parent();
	requireAdminOf(user, 'approval_workflow', 'approval workflows');
	try {
		return await loadWorkflowOptions(fetch);
	} catch (err) {
		raiseForLoad(err);
	}
};
