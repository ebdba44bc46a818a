import { createApi, raiseForLoad, type Department, type ListData } from '$lib/api/client';
import type { Reports } from '$lib/schemas/reports';
import type { PageLoad } from './$types';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** The six reports for the filters of the address; values that make no sense are ignored. */
export const load: PageLoad = async ({ fetch, url }) => {
	const api = createApi(fetch);
	const search = url.searchParams;
	const day = (key: string) => (DAY.test(search.get(key) ?? '') ? (search.get(key) ?? '') : '');
	const filter = {
		department_id: UUID.test(search.get('department_id') ?? '') ? (search.get('department_id') ?? '') : '',
		from: day('from'),
		to: day('to')
	};
	if (filter.from && filter.to && filter.to < filter.from) filter.to = '';
	const query = new URLSearchParams();
	for (const [key, value] of Object.entries(filter)) if (value) query.set(key, value);
	const qs = query.toString();
	const get = <K extends keyof Reports>(kind: K) => api.get<Reports[K]>(`/reports/${kind}${qs ? `?${qs}` : ''}`);
	try {
		const [pipeline, timeToHire, sources, requirements, offers, interviews, departments] = await Promise.all([
			get('pipeline'),
			get('time-to-hire'),
			get('sources'),
			get('requirements'),
			get('offers'),
			get('interviews'),
			api.get<ListData<Department>>('/departments')
		]);
		return {
			reports: { pipeline, timeToHire, sources, requirements, offers, interviews },
			departments: departments.items,
			filter,
			query: qs
		};
	} catch (err) {
		raiseForLoad(err);
	}
};
