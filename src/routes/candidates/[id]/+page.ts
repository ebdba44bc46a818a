import { createApi, raiseForLoad, type ListData, type Requirement } from '$lib/api/client';
import { can } from '$lib/permissions';
import { openRequirementsSeen, withOfflineChanges } from '../offline';
import type { Candidate, CandidateProfile } from '../types';
import type { PageLoad } from './$types';

/** The candidate with applications, documents and notes (refetched on `app:candidate`). */
export const load: PageLoad = async ({ fetch, params, depends, parent }) => {
	depends('app:candidate');
	const api = createApi(fetch);
	const { user } = await parent();
	try {
		// Offline, the record cache answers; what was written offline and waits in the outbox shows.
		const candidate = await withOfflineChanges(await api.get<CandidateProfile>(`/candidates/${params.id}`));
		// The other side of a duplicate or a merge, for the banner (it may be gone: then no name).
		const relatedId = candidate.merged_into_id ?? candidate.possible_duplicate_of_id;
		const [related, openRequirements] = await Promise.all([
			relatedId ? api.get<Candidate>(`/candidates/${relatedId}`).catch(() => null) : null,
			can(user, 'create', 'application')
				? api
						.get<ListData<Requirement>>('/requirements?status=open&page_size=100&sort=title')
						.catch((err: unknown) => openRequirementsSeen(err))
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
