import { ApiError, createApi, raiseForLoad, type ListData, type Requirement } from '$lib/api/client';
import { CANDIDATE_SOURCES, DEFAULT_STAGES, TERMINAL_STAGES, type CandidateSource } from '$lib/domain/candidates';
import { filterQuery, type CandidateFilter } from './filters';
import type { Candidate } from './types';
import type { PageLoad } from './$types';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DAY = /^\d{4}-\d{2}-\d{2}$/;
const isSource = (value: string): value is CandidateSource => (CANDIDATE_SOURCES as readonly string[]).includes(value);

/** The list with the filters of the address; values that make no sense are ignored, not an error. */
export const load: PageLoad = async ({ fetch, url }) => {
	const api = createApi(fetch);
	const search = url.searchParams;
	const source = search.get('source') ?? '';
	const day = (key: string) => (DAY.test(search.get(key) ?? '') ? (search.get(key) ?? '') : '');
	const filter: CandidateFilter = {
		q: (search.get('q') ?? '').trim().slice(0, 200),
		tag: (search.get('tag') ?? '').trim().slice(0, 50),
		source: isSource(source) ? source : '',
		stage: (search.get('stage') ?? '').trim().slice(0, 50),
		requirement_id: UUID.test(search.get('requirement_id') ?? '') ? (search.get('requirement_id') ?? '') : '',
		created_from: day('created_from'),
		created_to: day('created_to'),
		page: Math.max(1, Math.floor(Number(search.get('page'))) || 1)
	};
	const query = filterQuery(filter);
	query.set('page_size', '20');
	try {
		const [list, requirements] = await Promise.all([
			api.get<ListData<Candidate>>(`/candidates?${query}`),
			// Only for the filter menu: offline and never fetched, the list works without it.
			api.get<ListData<Requirement>>('/requirements?page_size=100&sort=title').catch((err: unknown) => {
				if (err instanceof ApiError && err.code === 'NETWORK_ERROR') return { items: [] as Requirement[] };
				throw err;
			})
		]);
		const requirement = requirements.items.find((r) => r.id === filter.requirement_id);
		return {
			candidates: list.items,
			pagination: list.pagination,
			requirements: requirements.items.map((r) => ({ id: r.id, title: r.title, reference: r.reference })),
			// The stages to filter on: the default pipeline's, whatever the requirement.
			stages: [...DEFAULT_STAGES, ...TERMINAL_STAGES],
			requirementTitle: requirement?.title ?? null,
			exportQuery: filterQuery(filter, false).toString(),
			filter
		};
	} catch (err) {
		raiseForLoad(err);
	}
};
