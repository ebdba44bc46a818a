import { error } from '@sveltejs/kit';
import { createApi, raiseForLoad, type ListData, type Requirement } from '$lib/api/client';
import { can } from '$lib/permissions';
import type { PageLoad } from './$types';

/** Who may import, and the open requirements whose pipeline the imported people may join. */
export const load: PageLoad = async ({ fetch, parent }) => {
	const { user } = await parent();
	if (!can(user, 'create', 'candidate')) error(403, 'Only recruiters and admins import candidates');
	try {
		const open = await createApi(fetch).get<ListData<Requirement>>(
			'/requirements?status=open&page_size=100&sort=title'
		);
		return { openRequirements: open.items.map((r) => ({ id: r.id, title: r.title, reference: r.reference })) };
	} catch (err) {
		raiseForLoad(err);
	}
};
