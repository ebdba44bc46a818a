import { createApi, raiseForLoad, type Department, type ListData, type UserSummary } from '$lib/api/client';
import { requireAdminOf } from '../admin-guard';
import type { PageLoad } from './$types';

export const load: PageLoad = async ({ fetch, parent, depends }) => {
	depends('app:departments');
	const { user } = await parent();
	requireAdminOf(user, 'department', 'departments');
	const api = createApi(fetch);
	try {
		const [departments, people] = await Promise.all([
			api.get<ListData<Department>>('/departments'),
			api.get<ListData<UserSummary>>('/users?page_size=100&active=true')
		]);
		return {
			departments: departments.items,
			people: people.items.map((p) => ({ id: p.id, name: p.name }))
		};
	} catch (err) {
		raiseForLoad(err);
	}
};
