import { createHash, timingSafeEqual } from 'node:crypto';
import { BullMqQueue, countKeys } from '../jobs/bullmq';
import { countJobsByStatus } from '../jobs/rows';
import type { Runtime } from '../runtime';

/** Where each sync process reports in (a key with a 15 s expiry). */
export const syncHeartbeatKey = (prefix: string, id = '*') => `${prefix}:heartbeat:sync:${id}`;

export interface Check {
	ok: boolean;
	ms: number;
	detail?: string;
}

export interface Readiness {
	ok: boolean;
	checks: Record<'database' | 'queue' | 'sync', Check>;
}

async function timed(work: () => Promise<string | void>, timeoutMs = 2000): Promise<Check> {
	const started = performance.now();
	try {
		const detail = await Promise.race([
			work(),
			new Promise<never>((_, reject) =>
				setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs).unref()
			)
		]);
		return { ok: true, ms: Math.round(performance.now() - started), ...(detail ? { detail } : {}) };
	} catch (err) {
		return {
			ok: false,
			ms: Math.round(performance.now() - started),
			detail: err instanceof Error ? err.message : String(err)
		};
	}
}

/** Is this process ready to serve: database, queue and live-document sync reachable? */
export async function checkReadiness(rt: Runtime): Promise<Readiness> {
	const [database, queue, sync] = await Promise.all([
		timed(async () => {
			await rt.database.rows('select 1');
		}),
		timed(async () => {
			await rt.jobs.ping();
			if (rt.jobs.kind === 'inprocess' && !rt.jobs.processing())
				throw new Error('the in-process job runner is not running');
			if (rt.jobs instanceof BullMqQueue && (rt.config.role === 'worker' || rt.config.role === 'embedded')) {
				if (!rt.jobs.processing()) throw new Error('the BullMQ worker of this process is not running');
			}
			// Informative only: a web process without workers still serves, its jobs wait in Redis.
			return rt.jobs instanceof BullMqQueue ? `bullmq, ${await rt.jobs.liveWorkers()} worker(s)` : rt.jobs.kind;
		}),
		timed(async () => {
			if (rt.config.role === 'worker') return 'not used by the worker';
			if (rt.collab && rt.config.role !== 'web') {
				const problem = rt.collab.storeProblem();
				if (problem) throw new Error(problem);
				return `${rt.collab.connectionCount()} connections, ${rt.collab.documentCount()} documents`;
			}
			// The web process of distributed mode: some sync process must be alive.
			if (!rt.redis) throw new Error('no sync server in this process and no Redis to find one');
			const alive = await countKeys(rt.redis, syncHeartbeatKey(rt.config.REDIS_PREFIX));
			if (alive === 0) throw new Error('no sync-server process has reported in the last 15 s');
			return `${alive} sync process(es)`;
		})
	]);
	return { ok: database.ok && queue.ok && sync.ok, checks: { database, queue, sync } };
}

/** Updates the gauges that are sampled rather than counted, then renders all metrics. */
export async function renderMetrics(rt: Runtime): Promise<string> {
	try {
		const rows = await countJobsByStatus(rt.db);
		rt.metrics.jobsByStatus.reset();
		for (const row of rows) rt.metrics.jobsByStatus.set({ status: row.status }, Number(row.n));
	} catch {
		// the database being down is reported by /health/ready
	}
	if (rt.collab) {
		rt.metrics.collabDocuments.set(rt.collab.documentCount());
		rt.metrics.collabConnections.set(rt.collab.connectionCount());
	}
	return rt.metrics.registry.metrics();
}

/**
 * May this request read /metrics? Open unless METRICS_TOKEN is set; then only with
 * `Authorization: Bearer <METRICS_TOKEN>` (compared in constant time).
 */
export function metricsAllowed(rt: Pick<Runtime, 'config'>, authorization: string | null): boolean {
	const expected = rt.config.METRICS_TOKEN;
	if (!expected) return true;
	const match = /^Bearer\s+(\S+)$/i.exec(authorization ?? '');
	if (!match) return false;
	const digest = (v: string) => createHash('sha256').update(v).digest();
	return timingSafeEqual(digest(match[1]), digest(expected));
}
