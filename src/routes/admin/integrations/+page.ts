import { error } from '@sveltejs/kit';
import { createApi, raiseForLoad } from '$lib/api/client';
import { can } from '$lib/permissions';
import type { IntegrationView } from './types';
import type { PageLoad } from './$types';

export const load: PageLoad = async ({ fetch, parent, depends }) => {
	depends('app:integrations');
	const { user } = await parent();
	if (!can(user, 'manage', 'settings')) error(403, 'Only admins manage integrations');
	try {
		const list = await createApi(fetch).get<{ items: IntegrationView[] }>('/settings/integrations');
		return { integrations: list.items };
	} catch (err) {
		raiseForLoad(err);
	}
};
