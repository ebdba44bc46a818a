import { error } from '@sveltejs/kit';
import { raiseForLoad } from '$lib/api/client';
import { can } from '$lib/permissions';
import { loadFormOptions } from '../form-options';
import type { PageLoad } from './$types';

export const load: PageLoad = async ({ fetch, parent }) => {
	const { user } = await parent();
	if (!can(user, 'create', 'requirement')) error(403, 'Only hiring managers and admins create requirements');
	try {
		return await loadFormOptions(fetch, user);
	} catch (err) {
		raiseForLoad(err);
	}
};
