import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { loadConfig, type ProcessRole } from '../../src/lib/server/config';
import { createLogger } from '../../src/lib/server/observability/logger';
import { createRuntime, type Runtime } from '../../src/lib/server/runtime';
import { jobDefinitions } from '../../worker/jobs';
import type { JobDefinition } from '../../src/lib/server/jobs/types';
import { createTestDatabase, type TestDatabase } from './db';
import { TEST_REDIS_URL, type Backend } from './env';

export interface TestRuntime {
	rt: Runtime;
	database: TestDatabase;
	dataDir: string;
	close(): Promise<void>;
}

export interface TestRuntimeOptions {
	backend: Backend;
	/** Use BullMQ + Redis pub/sub (TEST_REDIS_URL) instead of the in-process queue and bus. */
	redis?: boolean;
	role?: ProcessRole;
	env?: Record<string, string>;
	jobDefinitions?: JobDefinition[];
	/** Reuse this database instead of creating one. */
	database?: TestDatabase;
}

/** A unique Redis prefix per test runtime, so test files sharing one Redis never meet. */
export function uniqueRedisPrefix(): string {
	return `hhtest-${randomBytes(5).toString('hex')}`;
}

/**
 * The same runtime a process builds, on a fresh test database (PGlite or Postgres), with its
 * own data folder and, with `redis`, its own Redis prefix. Logs are silent unless LOG_LEVEL.
 */
export async function createTestRuntime(options: TestRuntimeOptions): Promise<TestRuntime> {
	const database = options.database ?? (await createTestDatabase(options.backend));
	const dataDir = mkdtempSync(path.join(tmpdir(), 'hh-test-'));
	const env: Record<string, string> = {
		DATA_DIR: dataDir,
		LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
		NODE_ENV: 'test',
		PORT: '0',
		SECRET_KEY: 'test-secret-key-that-is-long-enough-0123456789',
		REDIS_PREFIX: uniqueRedisPrefix(),
		...(database.url ? { DATABASE_URL: database.url } : {}),
		...(options.redis ? { REDIS_URL: TEST_REDIS_URL } : {}),
		...options.env
	};
	const config = loadConfig(env, options.role ?? 'embedded');
	const rt = await createRuntime({
		config,
		jobDefinitions: options.jobDefinitions ?? jobDefinitions,
		database: database.handle,
		migrate: false,
		logger: createLogger(config.LOG_LEVEL),
		collectProcessMetrics: false
	});
	return {
		rt,
		database,
		dataDir,
		async close() {
			await rt.close();
			if (!options.database) await database.close();
		}
	};
}
