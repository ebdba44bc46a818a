import { and, asc, count, desc, eq, isNull, like, sql } from 'drizzle-orm';
import { randomUUID } from 'node:crypto';
import { stagesOf } from '../../../domain/pipeline-rules';
import { can } from '../../../permissions';
import type { ScreeningRunsQuery, ScreenInput } from '../../../schemas/ai';
import { subjectOf, type Actor } from '../../actor';
import { inTransaction } from '../../db/transaction';
import { applications, candidates, jobs, requirements, screeningRuns, type ScreeningRun } from '../../db/schema';
import { AppError, Conflict, Forbidden, NotFound, ValidationFailed } from '../../errors';
import { assertRequirementInScope, visibleRequirementIds } from '../../candidates/visibility';
import type { Page } from '../../http/envelope';
import { opaque } from '../../http/serialize';
import type { Runtime } from '../../runtime';
import { screenApplicationJob } from '$worker/jobs/ai-screen';
import { loadScreeningSubject } from './run';

/** Most applications one bulk request screens (a bigger column is screened stage by stage). */
export const MAX_BULK = 1000;

/** The acting user's id, if they may screen (use AI and read applications). */
function assertCanScreen(actor: Actor): string {
	if (!actor.userId || !can(subjectOf(actor), 'use', 'ai')) throw new Forbidden('You may not use the AI features');
	if (!can(subjectOf(actor), 'read', 'application')) throw new Forbidden();
	return actor.userId;
}

function assertCanRead(actor: Actor) {
	if (!can(subjectOf(actor), 'read', 'application')) throw new Forbidden();
}

/** Refused because the candidate asked not to be processed by AI (consent). */
export class AiExcluded extends AppError {
	constructor(name: string) {
		super(
			409,
			'AI_EXCLUDED',
			`${name} asked not to be processed by AI: screening is off for this candidate (see their consent settings)`
		);
	}
}

export interface SkippedApplication {
	applicationId: string;
	candidateId: string;
	name: string;
	reason: 'ai_excluded' | 'no_cv_text';
	message: string;
}

const SKIP_MESSAGES = {
	ai_excluded: 'Asked not to be processed by AI',
	no_cv_text: 'No CV text yet (upload a CV, or wait for its text to be read)'
} as const;

/**
 * `POST /ai/screen`. One application → one job (a 409 for a candidate excluded from AI, a 422
 * without CV text). A whole column → one job per application, queued in one transaction with
 * keys `screen:<batch>:<application>` (so nothing is queued twice), excluded candidates and
 * those without a CV skipped and reported. Screening is advisory: no card ever moves by it.
 */
export async function requestScreening(rt: Runtime, actor: Actor, input: ScreenInput) {
	const userId = assertCanScreen(actor);
	if ('application_id' in input) {
		const subject = await loadScreeningSubject(rt, input.application_id);
		if (!subject) throw new NotFound('Application');
		await assertRequirementInScope(rt.db, actor, subject.requirementId);
		if (subject.aiExcluded) throw new AiExcluded(subject.candidateName);
		if (!subject.cvText.trim()) {
			throw new ValidationFailed(
				[{ field: 'application_id', message: SKIP_MESSAGES.no_cv_text }],
				'This candidate has no CV text to screen'
			);
		}
		const job = await rt.jobs.enqueue(
			screenApplicationJob,
			{ applicationId: subject.applicationId, userId, batchId: null },
			{ createdBy: actor.userId }
		);
		return {
			jobId: job.id,
			applicationId: subject.applicationId,
			batchId: null,
			total: 1,
			jobIds: [job.id],
			skipped: []
		};
	}

	await assertRequirementInScope(rt.db, actor, input.requirement_id);
	const [requirement] = await rt.db
		.select({ id: requirements.id, stages: requirements.pipelineStages })
		.from(requirements)
		.where(and(eq(requirements.id, input.requirement_id), isNull(requirements.deletedAt)));
	if (!requirement) throw new NotFound('Requirement');
	const stages = stagesOf(requirement.stages);
	if (!stages.some((s) => s.key === input.stage) && !['rejected', 'withdrawn'].includes(input.stage)) {
		throw new ValidationFailed([{ field: 'stage', message: `"${input.stage}" is not a stage of this pipeline` }]);
	}
	const column = await rt.db
		.select({
			applicationId: applications.id,
			candidateId: candidates.id,
			name: candidates.name,
			aiExcluded: candidates.aiExcluded,
			hasCv: sql<boolean>`length(trim(${candidates.cvText})) > 0`
		})
		.from(applications)
		.innerJoin(candidates, eq(candidates.id, applications.candidateId))
		.where(
			and(
				eq(applications.requirementId, input.requirement_id),
				eq(applications.stage, input.stage),
				isNull(applications.deletedAt),
				isNull(candidates.deletedAt)
			)
		)
		.orderBy(asc(applications.rank), asc(applications.id));
	if (column.length > MAX_BULK) {
		throw new Conflict(
			`This column holds ${column.length} applications; screen at most ${MAX_BULK} at once`,
			'TOO_MANY_APPLICATIONS'
		);
	}
	const skipped: SkippedApplication[] = [];
	const toScreen: string[] = [];
	for (const row of column) {
		const reason = row.aiExcluded ? 'ai_excluded' : !row.hasCv ? 'no_cv_text' : null;
		if (reason) {
			skipped.push({
				applicationId: row.applicationId,
				candidateId: row.candidateId,
				name: row.name,
				reason,
				message: SKIP_MESSAGES[reason]
			});
		} else toScreen.push(row.applicationId);
	}
	const batchId = randomUUID();
	const jobIds = await inTransaction(
		rt.db,
		async (tx, afterCommit) => {
			// One insert and one dispatch for the column, not one round trip a job.
			const rows = await rt.jobs.enqueueMany(
				screenApplicationJob,
				toScreen.map((applicationId) => ({
					input: { applicationId, userId, batchId },
					dedupeKey: batchKey(batchId, applicationId)
				})),
				{ tx, afterCommit, createdBy: actor.userId }
			);
			return rows.map((job) => job.id);
		},
		(err) => rt.logger.error({ err, batchId }, 'could not dispatch screening jobs')
	);
	return { jobId: null, applicationId: null, batchId, total: toScreen.length, jobIds, skipped };
}

function batchKey(batchId: string, applicationId: string) {
	return `screen:${batchId}:${applicationId}`;
}

/** A stored run as the API shows it (the full result, keys as the model/heuristic wrote them). */
export function publicRun(run: ScreeningRun) {
	const { result, ...rest } = run;
	return { ...rest, result: opaque(result) };
}

/** One screening run. */
export async function getScreeningRun(rt: Runtime, actor: Actor, id: string) {
	assertCanRead(actor);
	const [run] = await rt.db.select().from(screeningRuns).where(eq(screeningRuns.id, id));
	if (!run) throw new NotFound('Screening run');
	await assertRequirementInScope(rt.db, actor, run.requirementId);
	return publicRun(run);
}

/**
 * The runs of one application (newest first, every run kept), or for a board the latest run of
 * each of a requirement's applications — what a card shows.
 */
export async function listScreeningRuns(
	rt: Runtime,
	actor: Actor,
	q: ScreeningRunsQuery
): Promise<Page<ReturnType<typeof publicRun>>> {
	assertCanRead(actor);
	if (q.application_id) {
		const [application] = await rt.db
			.select({ requirementId: applications.requirementId })
			.from(applications)
			.where(eq(applications.id, q.application_id));
		if (application) await assertRequirementInScope(rt.db, actor, application.requirementId);
		const where = eq(screeningRuns.applicationId, q.application_id);
		const [{ total }] = await rt.db.select({ total: count() }).from(screeningRuns).where(where);
		const rows = await rt.db
			.select()
			.from(screeningRuns)
			.where(where)
			.orderBy(desc(screeningRuns.createdAt), desc(screeningRuns.id))
			.limit(q.page_size)
			.offset((q.page - 1) * q.page_size);
		return { items: rows.map(publicRun), total, page: q.page, pageSize: q.page_size };
	}
	const requirementId = q.requirement_id;
	if (!requirementId) return { items: [], total: 0, page: q.page, pageSize: q.page_size };
	await assertRequirementInScope(rt.db, actor, requirementId);
	const latest = await rt.db
		.selectDistinctOn([screeningRuns.applicationId])
		.from(screeningRuns)
		.innerJoin(applications, eq(applications.id, screeningRuns.applicationId))
		.where(and(eq(screeningRuns.requirementId, requirementId), isNull(applications.deletedAt)))
		.orderBy(screeningRuns.applicationId, desc(screeningRuns.createdAt), desc(screeningRuns.id));
	const items = latest.map((r) => r.screening_runs).sort((a, b) => b.score - a.score);
	const start = (q.page - 1) * q.page_size;
	return {
		items: items.slice(start, start + q.page_size).map(publicRun),
		total: items.length,
		page: q.page,
		pageSize: q.page_size
	};
}

/** How far a bulk screening got: jobs by status, and the runs stored so far. */
export async function screeningBatch(rt: Runtime, actor: Actor, batchId: string) {
	assertCanRead(actor);
	const pattern = `screen:${batchId}:%`;
	const rows = await rt.db
		.select({ id: jobs.id, status: jobs.status, createdBy: jobs.createdBy, result: jobs.result })
		.from(jobs)
		.where(like(jobs.dedupeKey, pattern));
	if (rows.length === 0) throw new NotFound('Screening batch');
	const subject = subjectOf(actor);
	const mine = rows[0].createdBy === actor.userId;
	if (!can(subject, 'read', 'job', mine ? ['owner'] : [])) throw new Forbidden();
	const byStatus: Record<string, number> = { queued: 0, running: 0, completed: 0, failed: 0 };
	for (const row of rows) byStatus[row.status] = (byStatus[row.status] ?? 0) + 1;
	const runs = await rt.db
		.select()
		.from(screeningRuns)
		.innerJoin(jobs, eq(jobs.id, screeningRuns.jobId))
		.where(like(jobs.dedupeKey, pattern))
		.orderBy(desc(screeningRuns.score));
	// A batch screens one column: its runs are shown only while the requirement is the caller's to see.
	const seen = await visibleRequirementIds(
		rt.db,
		actor,
		runs.map((r) => r.screening_runs.requirementId)
	);
	if (runs.some((r) => !seen.has(r.screening_runs.requirementId))) throw new Forbidden();
	const finished = byStatus.completed + byStatus.failed;
	return {
		batchId,
		total: rows.length,
		finished,
		progress: Math.round((finished / rows.length) * 100),
		byStatus,
		runs: runs.map((r) => ({
			runId: r.screening_runs.id,
			applicationId: r.screening_runs.applicationId,
			candidateId: r.screening_runs.candidateId,
			score: r.screening_runs.score,
			decision: r.screening_runs.decision,
			source: r.screening_runs.source
		}))
	};
}
