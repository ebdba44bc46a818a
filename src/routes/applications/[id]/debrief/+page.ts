import { ApiError, createApi, raiseForLoad } from '$lib/api/client';
import type { Debrief } from '../../../interviews/types';
import type { PageLoad } from './$types';

/**
 * The debrief of an application: every submitted scorecard the caller may read (the server
 * decides), the rating grid and the recommendations counted. Refetched on `app:debrief`.
 */
export const load: PageLoad = async ({ fetch, params, depends }) => {
	depends('app:debrief');
	const api = createApi(fetch);
	try {
		const debrief = await api.get<Debrief>(`/applications/${params.id}/debrief`);
		const candidate = await api
			.get<{ id: string; name: string; current_title: string | null }>(
				`/candidates/${debrief.application.candidate_id}`
			)
			.catch((err: unknown) => {
				if (err instanceof ApiError && (err.status === 403 || err.status === 404)) return null;
				throw err;
			});
		// Interviewers read the candidate only through their interview.
		const name =
			candidate?.name ??
			(debrief.interviews[0]
				? (await api.get<{ candidate_name: string }>(`/interviews/${debrief.interviews[0].id}`).catch(() => null))
						?.candidate_name
				: null) ??
			'The candidate';
		return { debrief, candidate, candidateName: name };
	} catch (err) {
		raiseForLoad(err);
	}
};
