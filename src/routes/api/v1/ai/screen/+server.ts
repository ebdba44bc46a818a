import { screeningRunsQuery, screenInput } from '$lib/schemas/ai';
import { listScreeningRuns, requestScreening } from '$lib/server/ai/screening/service';
import { ok, paginated } from '$lib/server/http/envelope';
import { endpoint, requireUser } from '$lib/server/http/endpoint';
import { readJson, readQuery } from '$lib/server/http/input';

/**
 * Screens CVs (advisory: never moves a card). `{application_id}` → 202 `{job_id}`;
 * `{requirement_id, stage}` → 202 `{batch_id, job_ids, skipped}` (one job per application).
 * Progress arrives on GET /api/v1/events as `job.updated`; each job's result is its run summary.
 */
export const POST = endpoint(async (event, { rt, actor }) => {
	requireUser(event);
	const result = await requestScreening(rt, actor, await readJson(event, screenInput));
	const message = result.batchId
		? `Screening ${result.total} application${result.total === 1 ? '' : 's'}` +
			(result.skipped.length ? `; ${result.skipped.length} skipped` : '')
		: 'Screening started';
	return ok(result, { status: 202, message });
});

/** `?application_id=` → every run of it, newest first; `?requirement_id=` → the latest run per card. */
export const GET = endpoint(async (event, { rt, actor }) => {
	requireUser(event);
	return paginated(await listScreeningRuns(rt, actor, readQuery(event.url, screeningRunsQuery)));
});
