import { createApi, raiseForLoad, type ListData, type Requirement } from '$lib/api/client';
import { can } from '$lib/permissions';
import type { Candidate, CandidateProfile } from '../types';
import type { PageLoad } from './$types';

/**
 * A candidate created offline is, until the outbox sends it, only the optimistic record of the
 * create (the form's fields, a temporary id): the lists the server would add start empty.
 */
function withProfileDefaults(candidate: CandidateProfile): CandidateProfile {
	return {
		...candidate,
		emails: candidate.emails ?? [],
		tags: candidate.tags ?? [],
		applications: candidate.applications ?? [],
		documents: candidate.documents ?? [],
		notes: candidate.notes ?? [],
		created_at: candidate.created_at ?? new Date().toISOString()
	};
}

/** The candidate with applications, documents and notes (refetched on `app:candidate`). */
export const load: PageLoad = async ({ fetch, params, depends, parent }) => {
	depends('app:candidate');
	const api = createApi(fetch);
	const { user } = await parent();
	try {
		const candidate = withProfileDefaults(await api.get<CandidateProfile>(`/candidates/${params.id}`));
		// The other side of a duplicate or a merge, for the banner (it may be gone: then no name).
		const relatedId = candidate.merged_into_id ?? candidate.possible_duplicate_of_id;
		const [related, openRequirements] = await Promise.all([
			relatedId ? api.get<Candidate>(`/candidates/${relatedId}`).catch(() => null) : null,
			can(user, 'create', 'application')
				? api.get<ListData<Requirement>>('/requirements?status=open&page_size=100&sort=title')
				: null
		]);
		return {
			candidate,
			related: related ? { id: related.id, name: related.name, merged_into_id: related.merged_into_id } : null,
			openRequirements: (openRequirements?.items ?? []).map((r) => ({
				id: r.id,
				title: r.title,
				reference: r.reference
			}))
		};
	} catch (err) {
		raiseForLoad(err);
	}
};
