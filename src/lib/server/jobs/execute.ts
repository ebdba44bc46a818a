import { channels } from '../events/bus';
import { toApiShape } from '../http/serialize';
import type { JobRow } from '../db/schema';
import type { Runtime } from '../runtime';
import { markJobCompleted, markJobFailed, markJobProgress } from './rows';
import { PermanentJobError, type JobContext, type JobDefinition } from './types';

/** The part of a job row the API and the browser see. */
export function publicJob(row: JobRow) {
	return {
		id: row.id,
		kind: row.kind,
		status: row.status,
		progress: row.progress,
		progressMessage: row.progressMessage,
		result: row.result,
		error: row.error,
		attempts: row.attempts,
		maxAttempts: row.maxAttempts,
		createdBy: row.createdBy,
		createdAt: row.createdAt,
		startedAt: row.startedAt,
		finishedAt: row.finishedAt
	};
}

/**
 * Tells the browser (server-sent events) how a job is doing. Best effort: the row is the record,
 * so a bus that is down must not fail the job.
 */
export async function publishJobUpdate(rt: Runtime, row: JobRow | null): Promise<void> {
	if (!row) return;
	const message = { type: 'job.updated', job: toApiShape(publicJob(row)) };
	try {
		await rt.bus.publish(channels.job(row.id), message);
		if (row.createdBy) await rt.bus.publish(channels.user(row.createdBy), message);
	} catch (err) {
		rt.logger.warn({ err, jobId: row.id }, 'could not publish a job update');
	}
}

export type Outcome =
	| { status: 'completed'; result: unknown }
	| { status: 'retry'; error: Error; retryAt: Date }
	| { status: 'failed'; error: Error; permanent: boolean };

/**
 * Runs one try of a job whose row is already marked running, and records the outcome on the
 * row. Both runners (in-process and BullMQ) call this, so a job behaves the same in both modes.
 */
export async function executeJob(
	rt: Runtime,
	definition: JobDefinition,
	row: JobRow,
	signal: AbortSignal
): Promise<Outcome> {
	const started = performance.now();
	const ctx: JobContext = {
		jobId: row.id,
		attempt: row.attempts,
		runtime: rt,
		signal,
		async progress(percent, message) {
			await publishJobUpdate(rt, await markJobProgress(rt.db, row.id, percent, message));
		}
	};
	await publishJobUpdate(rt, row);
	let outcome: Outcome;
	try {
		const parsed = definition.input.safeParse(row.input);
		if (!parsed.success) throw new PermanentJobError(`Invalid job input: ${parsed.error.message}`);
		const result = await definition.perform(parsed.data, ctx);
		outcome = { status: 'completed', result: result ?? null };
		await publishJobUpdate(rt, await markJobCompleted(rt.db, row.id, outcome.result));
	} catch (err) {
		const error = err instanceof Error ? err : new Error(String(err));
		const permanent = error instanceof PermanentJobError || error.name === 'UnrecoverableError';
		if (!permanent && row.attempts < row.maxAttempts) {
			const retryAt = new Date(Date.now() + definition.backoffMs(row.attempts));
			outcome = { status: 'retry', error, retryAt };
			await publishJobUpdate(rt, await markJobFailed(rt.db, row.id, error.message, retryAt));
		} else {
			outcome = { status: 'failed', error, permanent };
			await publishJobUpdate(rt, await markJobFailed(rt.db, row.id, error.message, null));
		}
		rt.logger.warn({ jobId: row.id, kind: row.kind, attempt: row.attempts, err: error.message }, 'job try failed');
	}
	rt.metrics.jobsTotal.inc({ kind: row.kind, outcome: outcome.status });
	rt.metrics.jobDuration.observe({ kind: row.kind }, (performance.now() - started) / 1000);
	return outcome;
}
