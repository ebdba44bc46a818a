import { Queue, UnrecoverableError, Worker, type Job, type MinimalJob } from 'bullmq';
import type { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import type { z } from 'zod';
import type { Runtime } from '../runtime';
import { executeJob } from './execute';
import { afterRowsCommit, type EnqueueOptions, type JobQueue, type JobRegistry } from './queue';
import { dueQueuedJobs, getJobRow, insertJobRow, insertJobRows, newJobRow, newJobRows, markJobRunning } from './rows';
import type { JobDefinition } from './types';

export const QUEUE_NAME = 'hh-jobs';
const SWEEP_EVERY_MS = 30_000;

interface Payload {
	jobId: string;
}

/**
 * Distributed mode: the job row is written to Postgres, then a BullMQ job carrying only the
 * row id goes to Redis. Worker processes (`worker/`) run it. A sweeper re-dispatches rows that
 * were committed but never reached Redis (crash between the two), using the row id as the
 * BullMQ job id so a duplicate add is a no-op.
 */
export class BullMqQueue implements JobQueue {
	readonly kind = 'bullmq' as const;
	private readonly queue: Queue<Payload>;
	private readonly connection: Redis;
	private readonly prefix: string;
	private worker: Worker<Payload> | null = null;
	private workerConnection: Redis | null = null;
	private readonly timers: NodeJS.Timeout[] = [];
	private readonly abort = new AbortController();
	private readonly workerId = randomUUID();

	constructor(
		private readonly rt: Runtime,
		private readonly registry: JobRegistry,
		/** Factory for Redis connections (BullMQ needs `maxRetriesPerRequest: null`). */
		private readonly connect: () => Redis,
		private readonly concurrency = 10
	) {
		this.connection = connect();
		this.prefix = rt.config.REDIS_PREFIX;
		this.queue = new Queue<Payload>(QUEUE_NAME, { connection: this.connection, prefix: `${this.prefix}:bull` });
		this.queue.on('error', (err) => rt.logger.error({ err }, 'BullMQ queue error'));
	}

	async enqueue<S extends z.ZodType>(definition: JobDefinition<S>, input: z.input<S>, options: EnqueueOptions = {}) {
		const { row, created } = await insertJobRow(options.tx ?? this.rt.db, newJobRow(definition, input, options));
		if (!created) return row;
		await afterRowsCommit(options, () => this.dispatch(row.id, definition.kind, row.maxAttempts, options.delayMs ?? 0));
		return row;
	}

	async enqueueMany<S extends z.ZodType>(
		definition: JobDefinition<S>,
		items: ReadonlyArray<{ input: z.input<S>; dedupeKey?: string }>,
		options: EnqueueOptions = {}
	) {
		const results = await insertJobRows(options.tx ?? this.rt.db, newJobRows(definition, items, options.createdBy));
		const created = results.filter((r) => r.created).map((r) => r.row);
		if (created.length > 0) {
			await afterRowsCommit(options, () =>
				this.queue.addBulk(
					created.map((row) => ({
						name: definition.kind,
						data: { jobId: row.id },
						opts: this.jobOptions(row.id, row.maxAttempts, 0)
					}))
				)
			);
		}
		return results.map((r) => r.row);
	}

	/** Hands the row to BullMQ; `attempts` is what is left of the row's budget of tries. */
	private async dispatch(jobId: string, kind: string, attempts: number, delay: number): Promise<void> {
		await this.queue.add(kind, { jobId }, this.jobOptions(jobId, attempts, delay));
	}

	private jobOptions(jobId: string, attempts: number, delay: number) {
		return {
			jobId,
			attempts,
			delay,
			backoff: { type: 'definition' },
			removeOnComplete: { age: 24 * 3600, count: 5000 },
			removeOnFail: { age: 7 * 24 * 3600, count: 20000 }
		};
	}

	private heartbeatKey() {
		return `${this.prefix}:heartbeat:worker:${this.workerId}`;
	}

	async startProcessing(): Promise<void> {
		if (this.worker) return;
		this.workerConnection = this.connect();
		this.worker = new Worker<Payload>(QUEUE_NAME, (job) => this.process(job), {
			connection: this.workerConnection,
			prefix: `${this.prefix}:bull`,
			concurrency: this.concurrency,
			settings: {
				backoffStrategy: (attemptsMade: number, _type?: string, _err?: Error, job?: MinimalJob) => {
					const definition = job ? this.registry.get(job.name) : undefined;
					return definition ? definition.backoffMs(attemptsMade) : 5000;
				}
			}
		});
		this.worker.on('error', (err) => this.rt.logger.error({ err }, 'BullMQ worker error'));
		const heartbeat = async () => {
			try {
				await this.rt.redis?.set(this.heartbeatKey(), String(Date.now()), 'PX', 15_000);
			} catch (err) {
				this.rt.logger.warn({ err }, 'worker heartbeat failed');
			}
		};
		await heartbeat();
		this.timers.push(setInterval(() => void heartbeat(), 5000));
		this.timers.push(setInterval(() => void this.sweep(), SWEEP_EVERY_MS));
	}

	private async process(job: Job<Payload>): Promise<unknown> {
		const definition = this.registry.get(job.name);
		if (!definition) throw new UnrecoverableError(`No processor for job kind ${job.name}`);
		const existing = await getJobRow(this.rt.db, job.data.jobId);
		if (!existing) throw new UnrecoverableError(`Job row ${job.data.jobId} does not exist`);
		// Idempotent: a job that already finished (a duplicate delivery) is not run again.
		if (existing.status === 'completed' || existing.status === 'failed' || existing.status === 'cancelled') {
			return existing.result;
		}
		const row = await markJobRunning(this.rt.db, existing.id);
		if (!row) return null;
		const outcome = await executeJob(this.rt, definition, row, this.abort.signal);
		if (outcome.status === 'completed') return outcome.result;
		if (outcome.status === 'failed' && outcome.permanent) throw new UnrecoverableError(outcome.error.message);
		throw outcome.error;
	}

	/**
	 * Re-dispatches rows left `queued` too long: lost between COMMIT and the Redis add, or left
	 * behind by a BullMQ job that already ended (its retries ran out in Redis but not on the row).
	 */
	private async sweep(): Promise<void> {
		try {
			const stale = await dueQueuedJobs(this.rt.db, new Date(Date.now() - SWEEP_EVERY_MS));
			for (const row of stale) {
				if (row.runAt.getTime() > Date.now()) continue;
				const existing = await this.queue.getJob(row.id);
				if (existing) {
					const state = await existing.getState();
					if (state !== 'completed' && state !== 'failed') continue;
					await existing.remove();
				}
				await this.dispatch(row.id, row.kind, Math.max(1, row.maxAttempts - row.attempts), 0);
				this.rt.logger.info({ jobId: row.id, kind: row.kind }, 'job re-dispatched by the sweeper');
			}
		} catch (err) {
			this.rt.logger.warn({ err }, 'job sweep failed');
		}
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
		this.timers.push(timer);
	}

	async ping(): Promise<void> {
		await this.connection.ping();
	}

	processing(): boolean {
		return this.worker?.isRunning() ?? false;
	}

	/** Live worker processes, from their heartbeats in Redis (SCAN, never KEYS). */
	async liveWorkers(): Promise<number> {
		return countKeys(this.connection, `${this.prefix}:heartbeat:worker:*`);
	}

	/** Stops taking jobs, lets those in hand finish (up to `graceMs`), then closes Redis. */
	async close(graceMs = 10_000): Promise<void> {
		for (const t of this.timers) clearInterval(t);
		if (this.worker) {
			const worker = this.worker;
			// Jobs still running after the grace period are aborted; BullMQ re-delivers them to
			// another worker (stalled-job check) and their rows say `running` until then.
			const graceful = worker.close().then(() => true);
			const timedOut = new Promise<false>((resolve) => setTimeout(() => resolve(false), graceMs).unref());
			if (!(await Promise.race([graceful, timedOut]))) {
				this.abort.abort();
				await worker.close(true).catch(() => undefined);
			}
			await this.rt.redis?.del(this.heartbeatKey()).catch(() => 0);
		}
		this.abort.abort();
		await this.queue.close();
		await Promise.all([this.connection, this.workerConnection].map((c) => c?.quit().catch(() => undefined)));
	}
}

/** Counts the keys matching `pattern` with SCAN (KEYS blocks Redis on a large keyspace). */
export async function countKeys(redis: Redis, pattern: string): Promise<number> {
	let cursor = '0';
	let total = 0;
	do {
		const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
		cursor = next;
		total += keys.length;
	} while (cursor !== '0');
	return total;
}
