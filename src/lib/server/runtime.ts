import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { Redis } from 'ioredis';
import type { Config } from './config';
import { openDatabase, type Database, type DatabaseHandle } from './db/client';
import { runMigrations } from './db/migrate';
import path from 'node:path';
import { createMailer, type Mailer } from './email/mailer';
import { LocalEventBus, RedisEventBus, type EventBus } from './events/bus';
import { BullMqQueue } from './jobs/bullmq';
import { InProcessQueue } from './jobs/inprocess';
import { JobRegistry, type JobQueue } from './jobs/queue';
import type { JobDefinition } from './jobs/types';
import { createLogger, type Logger } from './observability/logger';
import { Metrics } from './observability/metrics';
import { resolveSecretKey } from './secret-key';
import { readPackageVersion } from './version';

/** What the live-document server exposes to the rest of the process. */
export interface CollabHandle {
	/** Documents loaded in memory. */
	documentCount(): number;
	connectionCount(): number;
	/** Null when healthy; otherwise why stores are failing. */
	storeProblem(): string | null;
	/**
	 * Changes a live document from the server (a direct connection, always disconnected after):
	 * REST writes that must show on open boards go through here. Optional only until every
	 * process kind implements it.
	 */
	updateDocument?(name: string, change: (doc: import('yjs').Doc) => void): Promise<void>;
	/** A copy of a live document's current state (the server's view, including unsaved edits). */
	readDocument?(name: string): Promise<import('yjs').Doc>;
	/** Takes a WebSocket upgrade for /collab. */
	handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void;
	close(): Promise<void>;
}

/**
 * Everything one process shares: configuration, database, bus, queue, mailer, metrics.
 * Services receive it (or a part of it) instead of importing globals, so the web app, the sync
 * server, the worker and the tests all build theirs the same way.
 */
export interface Runtime {
	config: Config;
	logger: Logger;
	metrics: Metrics;
	database: DatabaseHandle;
	db: Database;
	redis: Redis | null;
	bus: EventBus;
	jobs: JobQueue;
	mailer: Mailer;
	secretKey: Buffer;
	version: string;
	startedAt: Date;
	collab: CollabHandle | null;
	/** Hooks run first at close (stop the HTTP server, flush documents…). */
	onClose(hook: () => Promise<void>): void;
	close(): Promise<void>;
}

export interface RuntimeOptions {
	config: Config;
	jobDefinitions: JobDefinition[];
	/** Use this database (tests) instead of opening one from the configuration. */
	database?: DatabaseHandle;
	logger?: Logger;
	migrate?: boolean;
	collectProcessMetrics?: boolean;
}

/** Builds the process runtime from its configuration. */
export async function createRuntime(options: RuntimeOptions): Promise<Runtime> {
	const { config } = options;
	const logger = options.logger ?? createLogger(config.LOG_LEVEL, { role: config.role });
	const database =
		options.database ??
		(await openDatabase({
			url: config.DATABASE_URL,
			pgliteDir: path.join(config.DATA_DIR, 'pg'),
			poolSize: config.role === 'worker' ? 15 : 10
		}));
	if (options.migrate !== false) await runMigrations(database);

	const redisOptions = { maxRetriesPerRequest: null, enableReadyCheck: true, lazyConnect: false } as const;
	const connectRedis = () => {
		const client = new Redis(config.REDIS_URL as string, redisOptions);
		client.on('error', (err) => logger.warn({ err: err.message }, 'redis connection error'));
		return client;
	};
	const redis = config.REDIS_URL ? connectRedis() : null;
	const onBusError = (err: unknown) => logger.error({ err }, 'event subscriber failed');
	const bus: EventBus = config.REDIS_URL
		? new RedisEventBus(connectRedis(), connectRedis(), `${config.REDIS_PREFIX}:bus:`, onBusError)
		: new LocalEventBus(onBusError);

	const closeHooks: Array<() => Promise<void>> = [];
	let closing: Promise<void> | undefined;
	const registry = new JobRegistry(options.jobDefinitions);
	const rt: Runtime = {
		config,
		logger,
		metrics: new Metrics(options.collectProcessMetrics ?? true),
		database,
		db: database.db,
		redis,
		bus,
		jobs: undefined as unknown as JobQueue, // set just below: the queue needs the runtime
		mailer: createMailer({
			smtpUrl: config.SMTP_URL,
			outboxDir: path.join(config.DATA_DIR, 'outbox'),
			from: `Hiring Hare <no-reply@${new URL(config.ORIGIN).hostname}>`,
			logger
		}),
		secretKey: await resolveSecretKey(config),
		version: readPackageVersion(),
		startedAt: new Date(),
		collab: null,
		onClose(hook) {
			closeHooks.push(hook);
		},
		/** Closes everything once (a second call waits for the first). */
		close() {
			closing ??= (async () => {
				for (const hook of [...closeHooks].reverse()) {
					try {
						await hook();
					} catch (err) {
						logger.error({ err }, 'error while closing');
					}
				}
				await rt.collab?.close();
				await rt.jobs.close();
				rt.mailer.close();
				await bus.close();
				if (redis) await redis.quit().catch(() => {});
				if (!options.database) await database.close();
			})();
			return closing;
		}
	};
	rt.jobs = config.REDIS_URL ? new BullMqQueue(rt, registry, connectRedis) : new InProcessQueue(rt, registry);
	return rt;
}

export type { Database };
