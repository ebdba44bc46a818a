import {
	createApi,
	raiseForLoad,
	type Department,
	type ListData,
	type Requirement,
	type UserSummary
} from '$lib/api/client';
import { REQUIREMENT_STATUSES, type RequirementStatus } from '$lib/domain/requirements';
import { can } from '$lib/permissions';
import type { PageLoad } from './$types';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const SORTS = ['created_desc', 'created_asc', 'title', 'start_date'] as const;
export type RequirementSort = (typeof SORTS)[number];

const isStatus = (value: string): value is RequirementStatus =>
	(REQUIREMENT_STATUSES as readonly string[]).includes(value);
const isSort = (value: string): value is RequirementSort => (SORTS as readonly string[]).includes(value);

/** The list with the filters of the address; values that make no sense are ignored, not an error. */
export const load: PageLoad = async ({ fetch, url, parent }) => {
	const api = createApi(fetch);
	const search = url.searchParams;
	const sort = search.get('sort') ?? '';
	const filter = {
		status: [...new Set(search.getAll('status').filter(isStatus))],
		department_id: UUID.test(search.get('department_id') ?? '') ? (search.get('department_id') ?? '') : '',
		hiring_manager_id: UUID.test(search.get('hiring_manager_id') ?? '') ? (search.get('hiring_manager_id') ?? '') : '',
		q: (search.get('q') ?? '').trim().slice(0, 200),
		sort: isSort(sort) ? sort : 'created_desc',
		page: Math.max(1, Math.floor(Number(search.get('page'))) || 1)
	};
	const query = new URLSearchParams();
	for (const status of filter.status) query.append('status', status);
	if (filter.department_id) query.set('department_id', filter.department_id);
	if (filter.hiring_manager_id) query.set('hiring_manager_id', filter.hiring_manager_id);
	if (filter.q) query.set('q', filter.q);
	query.set('sort', filter.sort);
	query.set('page', String(filter.page));
	query.set('page_size', '20');

	const { user } = await parent();
	// Only admins may list people; others filter by "me" or anyone.
	const listsPeople = can(user, 'list', 'user');
	try {
		const [list, departments, people] = await Promise.all([
			api.get<ListData<Requirement>>(`/requirements?${query}`),
			api.get<ListData<Department>>('/departments'),
			listsPeople ? api.get<ListData<UserSummary>>('/users?page_size=100&active=true') : null
		]);
		return {
			requirements: list.items,
			pagination: list.pagination,
			departments: departments.items,
			managers: (people?.items ?? [])
				.filter((p) => ['hiring_manager', 'admin', 'super_admin'].includes(p.role))
				.map((p) => ({ id: p.id, name: p.name })),
			filter
		};
	} catch (err) {
		raiseForLoad(err);
	}
};
