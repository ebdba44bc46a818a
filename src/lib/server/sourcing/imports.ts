import { and, desc, eq, isNull, sql } from 'drizzle-orm';
import type { SmartRecruitersImportInput } from '../../schemas/sourcing';
import type { Actor } from '../actor';
import { recordAudit } from '../audit/audit';
import type { Executor } from '../db/client';
import { inTransaction } from '../db/transaction';
import { jobs, requirements, sourcingRuns, type SourcingRun } from '../db/schema';
import { Conflict, NotFound } from '../errors';
import type { Runtime } from '../runtime';
import { smartRecruitersSettings } from '../settings/service';
import { importSmartRecruitersJob } from '$worker/jobs/sourcing-smartrecruiters';
import { assertCanSource } from './service';
import { assertRequirementInScope } from '../candidates/visibility';
import { departmentScope, requirementScopeCondition } from '../scope/departments';

/** A SmartRecruiters import run as the API shows it, with its job's progress. */
async function runView(db: Executor, run: SourcingRun) {
	const [job] = run.jobId
		? await db
				.select({ status: jobs.status, progress: jobs.progress, message: jobs.progressMessage })
				.from(jobs)
				.where(eq(jobs.id, run.jobId))
		: [];
	return {
		id: run.id,
		jobId: run.jobId,
		requirementId: run.requirementId,
		externalJobId: run.externalJobId,
		status: run.status,
		pauseReason: run.pauseReason,
		processed: run.done.length,
		imported: run.imported,
		duplicates: run.duplicates,
		// A paused run's job has ended (at 100 %): its share done is unknown until the list is read again.
		progress: run.status === 'completed' ? 100 : run.status === 'running' ? (job?.progress ?? 0) : null,
		progressMessage: job?.message ?? null,
		jobStatus: job?.status ?? null,
		createdAt: run.createdAt,
		updatedAt: run.updatedAt
	};
}
export type ImportRunView = Awaited<ReturnType<typeof runView>>;

async function loadRun(db: Executor, id: string): Promise<SourcingRun> {
	const [run] = await db.select().from(sourcingRuns).where(eq(sourcingRuns.id, id));
	if (!run) throw new NotFound('Import run');
	return run;
}

/**
 * `POST /sourcing/smartrecruiters`: starts importing the candidates of a SmartRecruiters job
 * (into a requirement's pipeline when given). The run row and its job are created together;
 * the job carries ids only and reads the encrypted credentials when it runs.
 */
export async function startSmartRecruitersImport(rt: Runtime, actor: Actor, input: SmartRecruitersImportInput) {
	const userId = assertCanSource(actor);
	if (!(await smartRecruitersSettings(rt))) {
		throw new Conflict(
			'SmartRecruiters is not configured: an admin sets its address, user and password under Integrations',
			'NOT_CONFIGURED'
		);
	}
	if (input.requirement_id) {
		await assertRequirementInScope(rt.db, actor, input.requirement_id);
		const [r] = await rt.db
			.select({ id: requirements.id })
			.from(requirements)
			.where(and(eq(requirements.id, input.requirement_id), isNull(requirements.deletedAt)));
		if (!r) throw new NotFound('Requirement');
	}
	const run = await inTransaction(rt.db, async (tx, afterCommit) => {
		const [created] = await tx
			.insert(sourcingRuns)
			.values({
				origin: 'smartrecruiters',
				requirementId: input.requirement_id,
				externalJobId: input.external_job_id,
				createdBy: userId
			})
			.returning();
		const job = await rt.jobs.enqueue(
			importSmartRecruitersJob,
			{ runId: created.id, userId },
			{ tx, afterCommit, createdBy: userId, dedupeKey: `smartrecruiters:${created.id}:0` }
		);
		const [withJob] = await tx
			.update(sourcingRuns)
			.set({ jobId: job.id })
			.where(eq(sourcingRuns.id, created.id))
			.returning();
		await recordAudit(tx, actor, {
			action: 'sourcing.import_started',
			entityType: 'sourcing_run',
			entityId: created.id,
			metadata: {
				origin: 'smartrecruiters',
				external_job_id: input.external_job_id,
				requirement_id: input.requirement_id
			}
		});
		return withJob;
	});
	return runView(rt.db, run);
}

/** `POST /sourcing/smartrecruiters/:id/resume`: a paused or failed run continues where it stopped. */
export async function resumeSmartRecruitersImport(rt: Runtime, actor: Actor, runId: string) {
	const userId = assertCanSource(actor);
	const run = await inTransaction(rt.db, async (tx, afterCommit) => {
		const [current] = await tx.select().from(sourcingRuns).where(eq(sourcingRuns.id, runId)).for('update');
		if (!current) throw new NotFound('Import run');
		if (current.requirementId) await assertRequirementInScope(tx, actor, current.requirementId);
		if (current.status !== 'paused' && current.status !== 'failed') {
			throw new Conflict(`This import is ${current.status}: only a paused or failed import resumes`, 'NOT_PAUSED', {
				status: current.status
			});
		}
		const job = await rt.jobs.enqueue(
			importSmartRecruitersJob,
			{ runId: current.id, userId },
			{ tx, afterCommit, createdBy: userId }
		);
		const [updated] = await tx
			.update(sourcingRuns)
			.set({ status: 'running', pauseReason: null, jobId: job.id, updatedAt: new Date() })
			.where(eq(sourcingRuns.id, current.id))
			.returning();
		await recordAudit(tx, actor, {
			action: 'sourcing.import_resumed',
			entityType: 'sourcing_run',
			entityId: current.id,
			metadata: { after: current.status, processed: current.done.length, paused_because: current.pauseReason }
		});
		return updated;
	});
	return runView(rt.db, run);
}

/** One import run with its progress. */
export async function getSmartRecruitersImport(rt: Runtime, actor: Actor, runId: string) {
	assertCanSource(actor);
	const run = await loadRun(rt.db, runId);
	if (run.requirementId) await assertRequirementInScope(rt.db, actor, run.requirementId);
	return runView(rt.db, run);
}

/** Import runs (of a requirement when given), newest first. */
export async function listSmartRecruitersImports(rt: Runtime, actor: Actor, requirementId: string | null) {
	assertCanSource(actor);
	if (requirementId) await assertRequirementInScope(rt.db, actor, requirementId);
	// Without a requirement: the runs of requirements the caller sees, and those for no requirement.
	const requirementSeen = requirementScopeCondition(await departmentScope(rt.db, actor), actor);
	const rows = await rt.db
		.select()
		.from(sourcingRuns)
		.where(
			and(
				requirementId ? eq(sourcingRuns.requirementId, requirementId) : undefined,
				requirementSeen
					? sql`(${sourcingRuns.requirementId} is null or exists (select 1 from ${requirements} where ${requirements.id} = ${sourcingRuns.requirementId} and ${requirementSeen}))`
					: undefined
			)
		)
		.orderBy(desc(sourcingRuns.createdAt))
		.limit(50);
	return Promise.all(rows.map((r) => runView(rt.db, r)));
}
