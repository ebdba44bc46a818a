import { createApi, type Department, type JobLevel, type ListData, type UserSummary } from '$lib/api/client';

/** What a workflow refers to: departments, job levels, people (for named approvers). */
export async function loadWorkflowOptions(fetchFn: typeof fetch) {
	const api = createApi(fetchFn);
	const [departments, jobLevels, people] = await Promise.all([
		api.get<ListData<Department>>('/departments'),
		api.get<ListData<JobLevel>>('/job-levels'),
		api.get<ListData<UserSummary>>('/users?page_size=100&active=true')
	]);
	return {
		departments: departments.items,
		jobLevels: jobLevels.items,
		people: people.items.map((p) => ({ id: p.id, name: p.name, role: p.role }))
	};
}
