import { getRuntime } from '$lib/server/registry';
import { listPostings, postingFacets, postingFilter } from '$lib/server/postings/service';
import type { PageServerLoad } from './$types';

/** The public careers page: published open positions, filterable by department and location. */
export const load: PageServerLoad = async ({ url, setHeaders }) => {
	const rt = getRuntime();
	const filter = postingFilter.parse(Object.fromEntries(url.searchParams));
	setHeaders({ 'cache-control': 'public, max-age=60' });
	return {
		orgName: rt.config.ORG_NAME,
		filter: { department: filter.department ?? '', location: filter.location ?? '', q: filter.q ?? '' },
		postings: (await listPostings(rt, filter)).map((p) => ({
			id: p.id,
			reference: p.reference,
			title: p.title,
			departmentName: p.departmentName,
			employmentType: p.employmentType,
			remotePolicy: p.remotePolicy,
			locationCity: p.locationCity,
			locationCountry: p.locationCountry,
			publishedAt: p.publishedAt.toISOString()
		})),
		facets: await postingFacets(rt)
	};
};
