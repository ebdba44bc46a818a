import { createApi, type Department, type JobLevel, type ListData, type UserSummary } from '$lib/api/client';
import { can, type Subject } from '$lib/permissions';

const MANAGER_ROLES = ['hiring_manager', 'admin', 'super_admin'];

/**
 * What the requirement form offers: departments, job levels and — for admins, who may name
 * someone else — the people who can be hiring manager (null for everyone else).
 */
export async function loadFormOptions(fetchFn: typeof fetch, user: Subject | null) {
	const api = createApi(fetchFn);
	const [departments, jobLevels, people] = await Promise.all([
		api.get<ListData<Department>>('/departments'),
		api.get<ListData<JobLevel>>('/job-levels'),
		can(user, 'list', 'user') ? api.get<ListData<UserSummary>>('/users?page_size=100&active=true') : null
	]);
	return {
		departments: departments.items,
		jobLevels: jobLevels.items,
		managers: people
			? people.items
					.filter((p) => MANAGER_ROLES.includes(p.role))
					.map((p) => ({ id: p.id, name: p.id === user?.id ? `${p.name} (you)` : p.name }))
			: null
	};
}
