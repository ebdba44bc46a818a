import { jobDescriptionInput } from '$lib/schemas/ai';
import { requestJobDescription } from '$lib/server/ai/job-description/service';
import { ok } from '$lib/server/http/envelope';
import { endpoint, requireUser } from '$lib/server/http/endpoint';
import { readJson } from '$lib/server/http/input';

/**
 * Drafts the requirement's job description with AI (Gemini, or the template without it) → 202
 * `{job_id}`. The draft lands in the live description document as suggestions attributed to
 * "AI" that editors accept or reject; progress and the result (`source`) arrive as `job.updated`.
 */
export const POST = endpoint(async (event, { rt, actor }) => {
	requireUser(event);
	const result = await requestJobDescription(rt, actor, await readJson(event, jobDescriptionInput));
	return ok(result, {
		status: 202,
		message: result.alreadyRunning ? 'A draft is already being written' : 'Drafting the job description'
	});
});
