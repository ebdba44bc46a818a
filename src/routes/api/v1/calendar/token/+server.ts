import { createCalendarToken, hasCalendarToken, revokeCalendarToken } from '$lib/server/interviews/calendar';
import { created, ok } from '$lib/server/http/envelope';
import { endpoint, requireUser } from '$lib/server/http/endpoint';

/** Whether I have a calendar feed URL. */
export const GET = endpoint(async (event, { rt }) => {
	const user = requireUser(event);
	return ok({ active: await hasCalendarToken(rt.db, user.id) });
});

/** A new private calendar feed URL (shown once; the previous one stops working). */
export const POST = endpoint(async (event, { rt, actor }) => {
	requireUser(event);
	return created(await createCalendarToken(rt, actor), 'Subscribe to this URL in Google Calendar or Outlook');
});

/** Revokes my calendar feed URL. */
export const DELETE = endpoint(async (event, { rt, actor }) => {
	requireUser(event);
	await revokeCalendarToken(rt, actor);
	return ok(null, { message: 'Calendar feed revoked' });
});
