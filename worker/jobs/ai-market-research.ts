import { z } from 'zod';
import { jobActor } from '$lib/server/ai/job-actor';
import { assertCanResearch, runMarketResearch } from '$lib/server/ai/market-research';
import { AppError } from '$lib/server/errors';
import { defineJob, exponentialBackoff, PermanentJobError } from '$lib/server/jobs/types';

/**
 * Market research for a requirement (Gemini or the organisation's own data), saved as a
 * `market_research` row keyed by this job's id: a job that runs again after a crash adds none.
 */
export const marketResearchJob = defineJob({
	kind: 'ai.market_research',
	input: z.object({ requirementId: z.string().uuid(), userId: z.string().uuid() }),
	maxAttempts: 3,
	backoffMs: exponentialBackoff(5_000),
	async perform(input, ctx) {
		const actor = await jobActor(ctx.runtime, input.userId);
		// Checked again when it runs: the user may have lost the right since asking.
		try {
			assertCanResearch(actor);
		} catch (err) {
			if (err instanceof AppError) throw new PermanentJobError(err.message);
			throw err;
		}
		await ctx.progress(10, 'Researching the market');
		try {
			return await runMarketResearch(ctx.runtime, {
				requirementId: input.requirementId,
				jobId: ctx.jobId,
				actor,
				signal: ctx.signal
			});
		} catch (err) {
			if (err instanceof AppError) throw new PermanentJobError(err.message);
			throw err;
		}
	}
});
