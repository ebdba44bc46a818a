import { createApi, raiseForLoad, type UserSummary } from '$lib/api/client';
import type { PageLoad } from './$types';

/** My e-mail preferences (the rest of the page works from the session's user). */
export const load: PageLoad = async ({ fetch, parent, depends }) => {
	depends('app:account');
	const { user } = await parent();
	if (!user) return { emailPreferences: {} };
	try {
		const me = await createApi(fetch).get<UserSummary>(`/users/${user.id}`);
		return { emailPreferences: me.email_preferences ?? {} };
	} catch (err) {
		raiseForLoad(err);
	}
};
