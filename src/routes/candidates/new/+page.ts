import { error } from '@sveltejs/kit';
import { can } from '$lib/permissions';
import type { PageLoad } from './$types';

export const load: PageLoad = async ({ parent }) => {
	const { user } = await parent();
	if (!can(user, 'create', 'candidate')) error(403, 'Only recruiters and admins add candidates');
	return {};
};
