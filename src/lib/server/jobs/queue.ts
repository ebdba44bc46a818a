import type { z } from 'zod';
import type { Executor } from '../db/client';
import type { AfterCommit } from '../db/transaction';
import type { JobRow } from '../db/schema';
import type { JobDefinition } from './types';

export interface EnqueueOptions {
	/** Insert the job row in this transaction (it then exists only if the change commits). */
	tx?: Executor;
	/** With `tx`: where to register the dispatch that must wait for COMMIT. */
	afterCommit?: AfterCommit;
	createdBy?: string | null;
	delayMs?: number;
	/** At most one job per key, ever (for example `reminder:<approvalId>:<day>`). */
	dedupeKey?: string;
}

/**
 * Runs `work` (a dispatch) after COMMIT when the job rows were inserted in the caller's
 * transaction, otherwise now.
 */
export async function afterRowsCommit(options: EnqueueOptions, work: () => unknown): Promise<void> {
	if (options.tx && options.afterCommit)
		options.afterCommit(async () => {
			await work();
		});
	else await work();
}

/**
 * The one queue interface all code uses. Embedded mode runs jobs in-process from the `jobs`
 * table; distributed mode hands them to BullMQ workers. Either way the row is the record.
 */
export interface JobQueue {
	readonly kind: 'inprocess' | 'bullmq';
	enqueue<S extends z.ZodType>(
		definition: JobDefinition<S>,
		input: z.input<S>,
		options?: EnqueueOptions
	): Promise<JobRow>;
	/**
	 * Many jobs of one kind at once (one insert, one dispatch), each with its own dedupe key;
	 * `options.dedupeKey` and `delayMs` are not used. The rows come back in the order given.
	 */
	enqueueMany<S extends z.ZodType>(
		definition: JobDefinition<S>,
		items: ReadonlyArray<{ input: z.input<S>; dedupeKey?: string }>,
		options?: EnqueueOptions
	): Promise<JobRow[]>;
	/** Starts executing jobs in this process (the embedded runner or a BullMQ worker). */
	startProcessing(): Promise<void>;
	/** Enqueues `definition` every `everyMs` (once per slot, even across restarts and processes). */
	schedule<S extends z.ZodType>(
		name: string,
		everyMs: number,
		definition: JobDefinition<S>,
		input: z.input<S>
	): Promise<void>;
	/** Throws when the queue's backing store cannot be reached. */
	ping(): Promise<void>;
	/** Is this process executing jobs right now (and alive)? */
	processing(): boolean;
	close(): Promise<void>;
}

export class JobRegistry {
	private readonly byKind = new Map<string, JobDefinition>();

	constructor(definitions: JobDefinition[]) {
		for (const d of definitions) {
			if (this.byKind.has(d.kind)) throw new Error(`Duplicate job kind ${d.kind}`);
			this.byKind.set(d.kind, d);
		}
	}

	get(kind: string): JobDefinition | undefined {
		return this.byKind.get(kind);
	}

	kinds(): string[] {
		return [...this.byKind.keys()];
	}
}
