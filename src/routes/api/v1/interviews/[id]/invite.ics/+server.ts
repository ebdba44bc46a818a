import { endpoint, requireUser } from '$lib/server/http/endpoint';
import { idParam } from '$lib/server/http/params';
import { interviewIcs } from '$lib/server/interviews/calendar';

/** The interview as an iCalendar invitation (METHOD:REQUEST, or CANCEL once cancelled). */
export const GET = endpoint(async (event, { rt, actor }) => {
	requireUser(event);
	const ics = await interviewIcs(rt, actor, idParam(event.params.id, 'Interview'));
	return new Response(ics, {
		headers: {
			'content-type': 'text/calendar; charset=utf-8',
			'content-disposition': 'attachment; filename="invite.ics"',
			'cache-control': 'private, no-store'
		}
	});
});
