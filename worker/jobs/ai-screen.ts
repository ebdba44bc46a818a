import { z } from 'zod';
import { can } from '$lib/permissions';
import { subjectOf } from '$lib/server/actor';
import { jobActor } from '$lib/server/ai/job-actor';
import { screenApplication } from '$lib/server/ai/screening/run';
import { defineJob, exponentialBackoff, PermanentJobError } from '$lib/server/jobs/types';

/**
 * Screens one application's CV against its requirement (Gemini or the heuristic) and stores a
 * `screening_runs` row keyed by this job's id: a job that runs again after a crash finds its
 * run and adds none. Bulk screening of a column queues one of these per application.
 */
export const screenApplicationJob = defineJob({
	kind: 'ai.screen_application',
	input: z.object({
		applicationId: z.string().uuid(),
		userId: z.string().uuid(),
		/** Set when queued by a bulk request (GET /ai/screen/batches/:id reports on it). */
		batchId: z.string().uuid().nullable().default(null)
	}),
	maxAttempts: 3,
	backoffMs: exponentialBackoff(5_000),
	async perform(input, ctx) {
		const actor = await jobActor(ctx.runtime, input.userId);
		if (!can(subjectOf(actor), 'use', 'ai')) throw new PermanentJobError('The user may no longer use AI features');
		return screenApplication(ctx.runtime, {
			applicationId: input.applicationId,
			jobId: ctx.jobId,
			actor,
			signal: ctx.signal
		});
	}
});
