import type { z } from 'zod';
import type { Runtime } from '../runtime';
import { executeJob } from './execute';
import { afterRowsCommit, type EnqueueOptions, type JobQueue, type JobRegistry } from './queue';
import { claimNextDueJob, insertJobRow, insertJobRows, newJobRow, newJobRows, requeueInterruptedJobs } from './rows';
import type { JobDefinition } from './types';

const POLL_MS = 1000;

/**
 * Embedded mode: jobs live in the `jobs` table and run in this process, `concurrency` at a time.
 * Whatever was queued or running when the process stopped runs at the next start.
 */
export class InProcessQueue implements JobQueue {
	readonly kind = 'inprocess' as const;
	private running = false;
	private readonly active = new Set<Promise<void>>();
	private timer: NodeJS.Timeout | null = null;
	private readonly schedules: NodeJS.Timeout[] = [];
	private readonly abort = new AbortController();
	private pumping = false;
	private pumpAgain = false;

	constructor(
		private readonly rt: Runtime,
		private readonly registry: JobRegistry,
		private readonly concurrency = 4
	) {}

	async enqueue<S extends z.ZodType>(definition: JobDefinition<S>, input: z.input<S>, options: EnqueueOptions = {}) {
		const { row } = await insertJobRow(options.tx ?? this.rt.db, newJobRow(definition, input, options));
		await afterRowsCommit(options, () => this.kick());
		return row;
	}

	async enqueueMany<S extends z.ZodType>(
		definition: JobDefinition<S>,
		items: ReadonlyArray<{ input: z.input<S>; dedupeKey?: string }>,
		options: EnqueueOptions = {}
	) {
		const results = await insertJobRows(options.tx ?? this.rt.db, newJobRows(definition, items, options.createdBy));
		await afterRowsCommit(options, () => this.kick());
		return results.map((r) => r.row);
	}

	async startProcessing(): Promise<void> {
		if (this.running) return;
		const requeued = await requeueInterruptedJobs(this.rt.db);
		if (requeued > 0) this.rt.logger.info({ requeued }, 'jobs interrupted by the last stop will run again');
		this.running = true;
		this.timer = setInterval(() => this.kick(), POLL_MS);
		this.timer.unref();
		this.kick();
	}

	async schedule<S extends z.ZodType>(name: string, everyMs: number, definition: JobDefinition<S>, input: z.input<S>) {
		const enqueueSlot = async () => {
			const slot = Math.floor(Date.now() / everyMs);
			try {
				await this.enqueue(definition, input, { dedupeKey: `schedule:${name}:${slot}` });
			} catch (err) {
				this.rt.logger.error({ err, name }, 'could not enqueue scheduled job');
			}
		};
		await enqueueSlot();
		const timer = setInterval(() => void enqueueSlot(), Math.min(everyMs, 60_000));
		timer.unref();
		this.schedules.push(timer);
	}

	/** Looks for due jobs now (after an enqueue, and every second). */
	kick(): void {
		if (!this.running) return;
		if (this.pumping) {
			this.pumpAgain = true;
			return;
		}
		this.pumping = true;
		// Claim on the next turn of the event loop, not in this microtask chain: PGlite answers
		// queries without ever leaving the microtask queue, so a runner that claimed its next job
		// straight from the last one's completion starved every socket write — a bulk screening
		// held back the server-sent event of its own first result by seconds.
		setImmediate(() => {
			void this.pump().finally(() => {
				this.pumping = false;
				if (this.pumpAgain) {
					this.pumpAgain = false;
					this.kick();
				}
			});
		});
	}

	private async pump(): Promise<void> {
		while (this.running && this.active.size < this.concurrency) {
			let row;
			try {
				row = await claimNextDueJob(this.rt.db, this.registry.kinds());
			} catch (err) {
				if (this.running) this.rt.logger.error({ err }, 'could not claim a job');
				return;
			}
			if (!row) return;
			const definition = this.registry.get(row.kind);
			if (!definition) continue;
			const claimed = row;
			const task = executeJob(this.rt, definition, claimed, this.abort.signal)
				.then(() => undefined)
				.catch((err: unknown) => this.rt.logger.error({ err, jobId: claimed.id }, 'job runner error'))
				.finally(() => {
					this.active.delete(task);
					this.kick();
				});
			this.active.add(task);
		}
	}

	async ping(): Promise<void> {
		await this.rt.database.rows('select 1');
	}

	processing(): boolean {
		return this.running;
	}

	private closing: Promise<void> | null = null;

	/**
	 * Stops taking jobs and waits (up to `graceMs`) for running ones; the rest re-run next start.
	 * Closing twice waits for the first close.
	 */
	close(graceMs = 10_000): Promise<void> {
		this.closing ??= (async () => {
			this.running = false;
			if (this.timer) clearInterval(this.timer);
			for (const t of this.schedules) clearInterval(t);
			const all = Promise.allSettled([...this.active]);
			const timeout = new Promise((resolve) => setTimeout(resolve, graceMs).unref());
			await Promise.race([all, timeout]);
			this.abort.abort();
			await Promise.race([Promise.allSettled([...this.active]), new Promise((r) => setTimeout(r, 1000).unref())]);
		})();
		return this.closing;
	}
}
