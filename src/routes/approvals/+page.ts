import { createApi, raiseForLoad, type PendingApproval } from '$lib/api/client';
import type { PageLoad } from './$types';

/** My pending approvals — or, for admins who ask (`?view=everyone`), everyone's. */
export const load: PageLoad = async ({ fetch, url, parent, depends }) => {
	depends('app:approvals');
	const { user } = await parent();
	const isAdmin = user?.role === 'admin' || user?.role === 'super_admin';
	const everyone = isAdmin && url.searchParams.get('view') === 'everyone';
	try {
		const data = await createApi(fetch).get<{ items: PendingApproval[] }>(
			`/approvals/pending${everyone ? '?all=true' : ''}`
		);
		return { items: data.items, everyone, isAdmin };
	} catch (err) {
		raiseForLoad(err);
	}
};
