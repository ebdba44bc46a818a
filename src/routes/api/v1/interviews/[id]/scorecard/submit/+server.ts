import { scorecardSubmission } from '$lib/schemas/interviews';
import { created } from '$lib/server/http/envelope';
import { endpoint, requireUser } from '$lib/server/http/endpoint';
import { validate } from '$lib/server/http/input';
import { idParam } from '$lib/server/http/params';
import { submitScorecard } from '$lib/server/interviews/scorecards';
import { readJson } from '$lib/server/http/input';
import { z } from 'zod';

/**
 * Submits my scorecard: the body `{ ratings, recommendation, summary? }`, or an empty body to
 * submit the live scorecard document as the server holds it. Incomplete → 422 naming what is
 * missing. Each submission is a new immutable revision.
 */
export const POST = endpoint(async (event, { rt, actor }) => {
	requireUser(event);
	const id = idParam(event.params.id, 'Interview');
	const raw = await readJson(event, z.unknown());
	const empty = raw === null || (typeof raw === 'object' && Object.keys(raw as object).length === 0);
	const body = empty ? null : validate(scorecardSubmission, raw);
	return created(await submitScorecard(rt, actor, id, body), 'Scorecard submitted');
});
