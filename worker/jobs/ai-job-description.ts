import { z } from 'zod';
import { can } from '$lib/permissions';
import { JOB_DESCRIPTION_TONES } from '$lib/schemas/ai';
import { subjectOf } from '$lib/server/actor';
import { jobActor } from '$lib/server/ai/job-actor';
import { assertCanEditDescription } from '$lib/server/ai/job-description/access';
import { draftJobDescription } from '$lib/server/ai/job-description/draft';
import { AppError } from '$lib/server/errors';
import { defineJob, exponentialBackoff, PermanentJobError } from '$lib/server/jobs/types';

/**
 * Drafts a requirement's job description (Gemini or the template) and puts it into the live
 * description document as suggestions attributed to "AI". Idempotent by this job's id: a job
 * that runs again after a crash finds its suggestions in the document and adds none.
 */
export const jobDescriptionJob = defineJob({
	kind: 'ai.job_description',
	input: z.object({
		requirementId: z.string().uuid(),
		userId: z.string().uuid(),
		tone: z.enum(JOB_DESCRIPTION_TONES).default('professional'),
		instructions: z.string().max(1000).nullable().default(null)
	}),
	maxAttempts: 3,
	backoffMs: exponentialBackoff(5_000),
	async perform(input, ctx) {
		const actor = await jobActor(ctx.runtime, input.userId);
		// Checked again when it runs: the user may have lost the right since asking.
		try {
			if (!can(subjectOf(actor), 'use', 'ai')) throw new PermanentJobError('The user may no longer use AI features');
			await assertCanEditDescription(ctx.runtime, actor, input.requirementId);
		} catch (err) {
			if (err instanceof AppError) throw new PermanentJobError(err.message);
			throw err;
		}
		return draftJobDescription(ctx.runtime, {
			requirementId: input.requirementId,
			jobId: ctx.jobId,
			actor,
			tone: input.tone,
			instructions: input.instructions,
			signal: ctx.signal,
			progress: (percent, message) => ctx.progress(percent, message)
		});
	}
});
