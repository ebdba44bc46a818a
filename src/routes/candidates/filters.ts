import type { CandidateSource } from '$lib/domain/candidates';

/** The list's filters as the address holds them. */
export interface CandidateFilter {
	q: string;
	tag: string;
	source: CandidateSource | '';
	stage: string;
	requirement_id: string;
	created_from: string;
	created_to: string;
	page: number;
}

/** The filters as the API's query string (`page` left out when `withPage` is false, for the export). */
export function filterQuery(filter: CandidateFilter, withPage = true): URLSearchParams {
	const query = new URLSearchParams();
	if (filter.q) query.set('q', filter.q);
	if (filter.tag) query.set('tag', filter.tag);
	if (filter.source) query.set('source', filter.source);
	if (filter.stage) query.set('stage', filter.stage);
	if (filter.requirement_id) query.set('requirement_id', filter.requirement_id);
	if (filter.created_from) query.set('created_from', `${filter.created_from}T00:00:00Z`);
	// "Created up to" a day includes the whole of that day.
	if (filter.created_to) query.set('created_to', `${filter.created_to}T23:59:59.999Z`);
	if (withPage) query.set('page', String(filter.page));
	return query;
}
