import { createApi, raiseForLoad, type ListData } from '$lib/api/client';
import type { Interview, InterviewSummary } from './types';
import type { PageLoad } from './$types';

const DAY = 86_400_000;

/**
 * My interviews (as a panelist): from the start of today on, and those of the last 30 days that
 * have ended — whether I still owe their feedback is on each one's panel, so those are fetched
 * in full.
 */
export const load: PageLoad = async ({ fetch, depends }) => {
	depends('app:interviews');
	const api = createApi(fetch);
	const now = new Date();
	const startOfToday = new Date(now.getFullYear(), now.getMonth(), now.getDate());
	try {
		const [coming, recent] = await Promise.all([
			api.get<ListData<InterviewSummary>>(
				`/interviews?mine=true&page_size=100&from=${encodeURIComponent(startOfToday.toISOString())}`
			),
			api.get<ListData<InterviewSummary>>(
				`/interviews?mine=true&page_size=100&from=${encodeURIComponent(new Date(now.getTime() - 30 * DAY).toISOString())}&to=${encodeURIComponent(now.toISOString())}`
			)
		]);
		const ended = recent.items.filter(
			(i) => new Date(i.ends_at) <= now && (i.status === 'scheduled' || i.status === 'completed')
		);
		const details = await Promise.all(ended.map((i) => api.get<Interview>(`/interviews/${i.id}`)));
		return { coming: coming.items, ended: details, loadedAt: now.toISOString() };
	} catch (err) {
		raiseForLoad(err);
	}
};
