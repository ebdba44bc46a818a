import type { z } from 'zod';
import type { Runtime } from '../runtime';

/** What a job's `perform` receives besides its input. */
export interface JobContext {
	jobId: string;
	attempt: number;
	runtime: Runtime;
	/** Reports progress (0–100) to the job row and, live, to the browser. */
	progress(percent: number, message?: string): Promise<void>;
	/** Aborted when the process shuts down: long jobs should stop at a safe point. */
	signal: AbortSignal;
}

/**
 * One kind of background job: its input schema (ids, never secrets), how often to try,
 * and the work. `perform` must be idempotent: a job can run twice after a crash.
 */
export interface JobDefinition<S extends z.ZodType = z.ZodType, R = unknown> {
	kind: string;
	input: S;
	/** Total tries, including the first. */
	maxAttempts: number;
	/** Delay before try `attempt + 1` after a failure of try `attempt` (1-based). */
	backoffMs(attempt: number): number;
	perform(input: z.infer<S>, ctx: JobContext): Promise<R>;
}

export function defineJob<S extends z.ZodType, R>(definition: JobDefinition<S, R>): JobDefinition<S, R> {
	return definition;
}

/** Exponential backoff: base, 2×base, 4×base… capped. */
export const exponentialBackoff =
	(baseMs: number, capMs = 10 * 60_000) =>
	(attempt: number) =>
		Math.min(capMs, baseMs * 2 ** Math.max(0, attempt - 1));

/** Thrown by `perform` for a failure that retrying cannot fix (bad input, record gone). */
export class PermanentJobError extends Error {
	override name = 'PermanentJobError';
}
