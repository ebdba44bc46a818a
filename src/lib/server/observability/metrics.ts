import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { cacheLookups } from '../cache/read-model-cache';

/** Prometheus metrics of one process. A registry per runtime keeps tests independent. */
export class Metrics {
	readonly registry = new Registry();

	readonly httpRequests = new Counter({
		name: 'http_requests_total',
		help: 'HTTP requests by route, method and status',
		labelNames: ['method', 'route', 'status'] as const,
		registers: [this.registry]
	});

	readonly httpDuration = new Histogram({
		name: 'http_request_duration_seconds',
		help: 'HTTP request latency by route',
		labelNames: ['method', 'route'] as const,
		buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
		registers: [this.registry]
	});

	readonly collabConnections = new Gauge({
		name: 'collab_connections',
		help: 'Open live-document connections (WebSockets) on this process',
		registers: [this.registry]
	});

	readonly eventStreams = new Gauge({
		name: 'event_streams_open',
		help: 'Open server-sent event streams (GET /api/v1/events) on this process',
		registers: [this.registry]
	});

	readonly collabDocuments = new Gauge({
		name: 'collab_documents_loaded',
		help: 'Live documents loaded in memory on this process',
		registers: [this.registry]
	});

	readonly collabStoreDuration = new Histogram({
		name: 'collab_store_duration_seconds',
		help: 'Time to persist one document state',
		buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 2, 5, 10],
		registers: [this.registry]
	});

	readonly collabStoreFailures = new Counter({
		name: 'collab_store_failures_total',
		help: 'Failed attempts to persist a document state',
		registers: [this.registry]
	});

	readonly collabSlowStores = new Counter({
		name: 'collab_store_slower_than_max_debounce_total',
		help: 'Stores that took longer than the maximum debounce (a store backlog is forming)',
		registers: [this.registry]
	});

	readonly collabRejected = new Counter({
		name: 'collab_rejected_total',
		help: 'Live-document connections or updates refused, by reason',
		labelNames: ['reason'] as const,
		registers: [this.registry]
	});

	readonly jobsTotal = new Counter({
		name: 'jobs_total',
		help: 'Background jobs finished, by kind and outcome',
		labelNames: ['kind', 'outcome'] as const,
		registers: [this.registry]
	});

	readonly jobsByStatus = new Gauge({
		name: 'jobs_current',
		help: 'Background job rows by status (sampled when /metrics is read)',
		labelNames: ['status'] as const,
		registers: [this.registry]
	});

	readonly jobDuration = new Histogram({
		name: 'job_duration_seconds',
		help: 'Background job run time by kind',
		labelNames: ['kind'] as const,
		buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300],
		registers: [this.registry]
	});

	/** Read-model caches (requirements list, candidates list): lookups served from memory or not. */
	readonly cacheLookups = new Counter({
		name: 'read_model_cache_lookups_total',
		help: 'Lookups of the in-process read-model caches by cache and outcome (hit; miss: a query; rechecked: brought up to date from the changed rows, no query; coalesced: a wait for a lookup already loading)',
		labelNames: ['cache', 'outcome'] as const,
		registers: [this.registry],
		collect() {
			this.reset();
			for (const c of cacheLookups()) {
				if (c.hits) this.inc({ cache: c.cache, outcome: 'hit' }, c.hits);
				if (c.misses) this.inc({ cache: c.cache, outcome: 'miss' }, c.misses);
				if (c.rechecked) this.inc({ cache: c.cache, outcome: 'rechecked' }, c.rechecked);
				if (c.coalesced) this.inc({ cache: c.cache, outcome: 'coalesced' }, c.coalesced);
			}
		}
	});

	constructor(collectProcessMetrics = true) {
		if (collectProcessMetrics) collectDefaultMetrics({ register: this.registry });
	}
}
