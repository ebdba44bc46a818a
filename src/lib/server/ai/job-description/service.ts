import { and, eq, inArray, sql } from 'drizzle-orm';
import { can } from '../../../permissions';
import type { JobDescriptionInput } from '../../../schemas/ai';
import { subjectOf, type Actor } from '../../actor';
import { jobs } from '../../db/schema';
import { Forbidden } from '../../errors';
import type { Runtime } from '../../runtime';
import { jobDescriptionJob } from '$worker/jobs/ai-job-description';
import { assertCanEditDescription } from './access';

/**
 * Who may ask for AI writing in a job description, and the request for a drafted one (the draft
 * itself is written by the job: see ./draft.ts).
 */

function assertCanUseAi(actor: Actor): string {
	if (!actor.userId || !can(subjectOf(actor), 'use', 'ai')) throw new Forbidden('You may not use the AI features');
	return actor.userId;
}

/**
 * `POST /ai/job-description`: queues the draft job. A draft already queued or being written for
 * the requirement is returned instead of a second one (a double click drafts once).
 */
export async function requestJobDescription(rt: Runtime, actor: Actor, input: JobDescriptionInput) {
	const userId = assertCanUseAi(actor);
	await assertCanEditDescription(rt, actor, input.requirement_id);
	const [unfinished] = await rt.db
		.select({ id: jobs.id })
		.from(jobs)
		.where(
			and(
				eq(jobs.kind, jobDescriptionJob.kind),
				inArray(jobs.status, ['queued', 'running']),
				sql`${jobs.input}->>'requirementId' = ${input.requirement_id}`
			)
		)
		.limit(1);
	if (unfinished) return { jobId: unfinished.id, requirementId: input.requirement_id, alreadyRunning: true };
	const job = await rt.jobs.enqueue(
		jobDescriptionJob,
		{
			requirementId: input.requirement_id,
			userId,
			tone: input.tone ?? 'professional',
			instructions: input.instructions ?? null
		},
		{ createdBy: userId }
	);
	return { jobId: job.id, requirementId: input.requirement_id, alreadyRunning: false };
}
