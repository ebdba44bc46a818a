import type { RequestHandler } from './$types';
import { error } from '@sveltejs/kit';
import { AppError } from '$lib/server/errors';
import { calendarFeed } from '$lib/server/interviews/calendar';
import { getRuntime } from '$lib/server/registry';

/** `/calendar/<secret token>.ics`: a user's interviews for calendar apps (no login, revocable). */
export const GET: RequestHandler = async ({ params }) => {
	const match = /^([a-z2-7]{32})\.ics$/.exec(params.file ?? '');
	if (!match) error(404, 'Not found');
	try {
		const ics = await calendarFeed(getRuntime(), match[1]);
		return new Response(ics, {
			headers: { 'content-type': 'text/calendar; charset=utf-8', 'cache-control': 'private, max-age=300' }
		});
	} catch (err) {
		if (err instanceof AppError && err.status === 404) error(404, 'Not found');
		throw err;
	}
};
