import { browser } from '$app/environment';
import { createApi, raiseForLoad, type Requirement } from '$lib/api/client';
import { openEarly } from '$lib/collab/early';
import { documentNames } from '$lib/collab/names';
import type { BoardData } from './types';
import type { PageLoad } from './$types';

/**
 * The requirement and its board as Postgres has it (names, titles, tags, time in stage). In the
 * browser the live board starts connecting here, before the page renders (see collab/early.ts).
 */
export const load: PageLoad = async ({ fetch, params, parent }) => {
	if (browser) {
		const { user } = await parent();
		if (user && openEarly(documentNames.pipeline(params.id), user.id)) {
			// One turn of the event loop before the page renders: the browser starts the WebSocket's
			// handshake in a task of its own, which would otherwise wait for the whole hydration.
			await new Promise((resolve) => setTimeout(resolve, 0));
		}
	}
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
