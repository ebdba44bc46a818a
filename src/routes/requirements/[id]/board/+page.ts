import { createApi, raiseForLoad, type Requirement } from '$lib/api/client';
import type { BoardData } from './types';
import type { PageLoad } from './$types';

/** The requirement and its board as Postgres has it (names, titles, tags, time in stage). */
export const load: PageLoad = async ({ fetch, params }) => {
	const api = createApi(fetch);
	try {
		const [requirement, board] = await Promise.all([
			api.get<Requirement>(`/requirements/${params.id}`),
			api.get<BoardData>(`/requirements/${params.id}/pipeline`)
		]);
		return { requirement, board };
	} catch (err) {
		raiseForLoad(err);
	}
};
