import { browser } from '$app/environment';
import { ApiError, createApi, raiseForLoad, type ListData } from '$lib/api/client';
import { cachedKitInterview } from '$lib/offline/prefetch';
import type { Feedback, Interview, ScorecardTemplate } from '../types';
import type { PageLoad } from './$types';

interface CandidateSummary {
	id: string;
	name: string;
	current_title: string | null;
	current_company: string | null;
	location: string | null;
	linkedin_url: string | null;
	documents: Array<{ id: string; kind: string; file_name: string }>;
}

/**
 * The interview room: the interview with its panel, the submitted scorecards the caller may read
 * (the server leaves out what they may not), the template and — when the caller may read
 * candidates — the candidate with their CV. Refetched on `app:interview`.
 */
export const load: PageLoad = async ({ fetch, params, depends }) => {
	depends('app:interview');
	const api = createApi(fetch);
	try {
		const interview = await api.get<Interview>(`/interviews/${params.id}`);
		const [feedback, template, candidate] = await Promise.all([
			api.get<ListData<Feedback>>(`/interviews/${params.id}/feedback`),
			interview.scorecard_template_id
				? api.get<ScorecardTemplate>(`/scorecard-templates/${interview.scorecard_template_id}`)
				: null,
			// Interviewers see the candidate through the interview only; others get the full record.
			api.get<CandidateSummary>(`/candidates/${interview.candidate_id}`).catch((err: unknown) => {
				if (err instanceof ApiError && (err.status === 403 || err.status === 404)) return null;
				throw err;
			})
		]);
		const kit = await cachedKitInterview(params.id);
		// Offline, the record cache answered (the kit's copies): say that it may be stale.
		const offline = browser && !navigator.onLine;
		return {
			interview,
			feedback: feedback.items,
			template,
			candidate,
			cvText: kit?.cv?.text ?? null,
			fromKit: offline && kit !== null
		};
	} catch (err) {
		// No network: the offline interview kit fetched ahead (`$lib/offline/prefetch`) has it all.
		if (err instanceof ApiError && err.code === 'NETWORK_ERROR') {
			const kit = await cachedKitInterview(params.id);
			if (kit) {
				return {
					interview: kit.interview as unknown as Interview,
					feedback: [] as Feedback[],
					template: kit.template as unknown as ScorecardTemplate | null,
					candidate: kit.candidate
						? ({
								...kit.candidate,
								documents: kit.cv ? [{ id: kit.cv.id, kind: 'cv', file_name: kit.cv.file_name }] : []
							} as unknown as CandidateSummary)
						: null,
					cvText: kit.cv?.text ?? null,
					fromKit: true
				};
			}
		}
		raiseForLoad(err);
	}
};
