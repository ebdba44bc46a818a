import { listInterviewsQuery, scheduleInterviewInput } from '$lib/schemas/interviews';
import { created, paginated } from '$lib/server/http/envelope';
import { endpoint, requireUser } from '$lib/server/http/endpoint';
import { readJson, readQuery } from '$lib/server/http/input';
import { listInterviews, scheduleInterview } from '$lib/server/interviews/service';

/** Interviews: `?mine=true`, status, application, requirement, time window. */
export const GET = endpoint(async (event, { rt, actor }) => {
	requireUser(event);
	return paginated(await listInterviews(rt, actor, readQuery(event.url, listInterviewsQuery)));
});

/** Schedules an interview; `data.conflicts` lists panelists already busy then (a warning). */
export const POST = endpoint(async (event, { rt, actor }) => {
	requireUser(event);
	const result = await scheduleInterview(rt, actor, await readJson(event, scheduleInterviewInput));
	return created(
		result,
		result.conflicts.length ? 'Scheduled — some panelists have another interview at that time' : 'Interview scheduled'
	);
});
