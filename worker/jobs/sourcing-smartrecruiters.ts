import { z } from 'zod';
import { can } from '$lib/permissions';
import { subjectOf } from '$lib/server/actor';
import { jobActor } from '$lib/server/ai/job-actor';
import { defineJob, exponentialBackoff, PermanentJobError } from '$lib/server/jobs/types';
import { performSmartRecruitersImport } from '$lib/server/sourcing/smartrecruiters';

/**
 * Imports the candidates of one SmartRecruiters job through the browser (Playwright, Chromium).
 * Carries only ids: the credentials are read from the encrypted settings when it runs. Safe to
 * run again: the run's `done` list skips every candidate already imported.
 */
export const importSmartRecruitersJob = defineJob({
	kind: 'sourcing.smartrecruiters_import',
	input: z.object({ runId: z.string().uuid(), userId: z.string().uuid() }),
	maxAttempts: 3,
	backoffMs: exponentialBackoff(30_000),
	async perform(input, ctx) {
		const actor = await jobActor(ctx.runtime, input.userId);
		if (!can(subjectOf(actor), 'use', 'sourcing')) throw new PermanentJobError('The user may no longer use sourcing');
		return performSmartRecruitersImport(ctx.runtime, actor, input.runId, ctx);
	}
});
