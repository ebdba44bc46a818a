/**
 * The product with the issue 4 data set, for the candidates and pipeline benchmarks:
 *   embedded    — `main.js` alone on PGlite (API, /collab and jobs in one process);
 *   distributed — a web process, a sync-server process and (optionally) a worker, on a fresh
 *                 Postgres database and a unique Redis prefix.
 * The data set is written straight into the database (bench/lib/candidate-seed.ts): on PGlite
 * while the server is stopped (it owns the data folder), on Postgres while it runs.
 */
import { rmSync } from 'node:fs';
import path from 'node:path';
import { openDatabase } from '../../src/lib/server/db/client';
import { seedCandidates, type SeedOptions, type SeedResult } from './candidate-seed';
import { registerAdmin, type Account } from './fixtures';
import {
	REDIS_URL,
	cleanRedisPrefix,
	createPostgresDatabase,
	dropPostgresDatabase,
	startServer,
	tempDir,
	uniqueRedisPrefix,
	type ServerProcess
} from './proc';

export type CandidateMode = 'embedded' | 'distributed';

export interface SeededStack {
	mode: CandidateMode;
	apiUrl: string;
	collabUrl: string;
	/** The process answering the API (the only one in embedded mode). */
	web: ServerProcess;
	/** The process holding live documents. */
	sync: ServerProcess;
	/** The process running jobs (the web process itself in embedded mode). */
	worker: ServerProcess;
	admin: Account;
	seed: SeedResult | null;
	/** DATA_DIR of the processes (embedded: PGlite in `<dataDir>/pg`, open it only after `web.stop()`). */
	dataDir: string;
	/** The Postgres database of distributed mode (null when embedded). */
	databaseUrl: string | null;
	/** Every process of the stack (CPU accounting). */
	pids(): number[];
	stop(): Promise<void>;
}

export async function startSeededStack(
	mode: CandidateMode,
	options: {
		name: string;
		seed?: Omit<SeedOptions, 'userId'> | false;
		env?: Record<string, string>;
		/** Extra node flags per role (e.g. --cpu-prof); embedded uses `embedded`, only once seeded. */
		nodeArgs?: Partial<Record<'embedded' | 'web' | 'sync' | 'worker', string[]>>;
	}
): Promise<SeededStack> {
	const dataDir = tempDir(options.name);
	const env = { ...options.env };
	if (mode === 'embedded') {
		let server = await startServer({
			role: 'embedded',
			dataDir,
			env,
			nodeArgs: options.seed === false ? options.nodeArgs?.embedded : undefined
		});
		const admin = await registerAdmin(server.url);
		let seed: SeedResult | null = null;
		if (options.seed !== false) {
			const port = server.port;
			await server.stop();
			const handle = await openDatabase({ pgliteDir: path.join(dataDir, 'pg') });
			try {
				seed = await seedCandidates(handle, { userId: admin.id, ...(options.seed ?? {}) });
			} finally {
				await handle.close();
			}
			server = await startServer({ role: 'embedded', dataDir, env, port, nodeArgs: options.nodeArgs?.embedded });
		}
		const s = server;
		return {
			mode,
			apiUrl: s.url,
			collabUrl: `ws://127.0.0.1:${s.port}/collab`,
			web: s,
			sync: s,
			worker: s,
			admin,
			seed,
			dataDir,
			databaseUrl: null,
			pids: () => [s.pid],
			async stop() {
				await s.stop();
				rmSync(dataDir, { recursive: true, force: true });
			}
		};
	}
	const dbName = `hh_bench_${options.name.replace(/\W/g, '_')}_${process.pid}`;
	const prefix = uniqueRedisPrefix();
	const url = await createPostgresDatabase(dbName);
	const distributedEnv = { DATABASE_URL: url, REDIS_URL, REDIS_PREFIX: prefix, ...env };
	const web = await startServer({ role: 'web', dataDir, env: distributedEnv, nodeArgs: options.nodeArgs?.web });
	const [sync, worker] = await Promise.all([
		startServer({ role: 'sync', dataDir, env: distributedEnv, nodeArgs: options.nodeArgs?.sync }),
		startServer({ role: 'worker', dataDir, env: distributedEnv, nodeArgs: options.nodeArgs?.worker })
	]);
	const admin = await registerAdmin(web.url);
	let seed: SeedResult | null = null;
	if (options.seed !== false) {
		const handle = await openDatabase({ url, poolSize: 2 });
		try {
			seed = await seedCandidates(handle, { userId: admin.id, ...(options.seed ?? {}) });
		} finally {
			await handle.close();
		}
	}
	return {
		mode,
		apiUrl: web.url,
		collabUrl: `ws://127.0.0.1:${sync.port}/collab`,
		web,
		sync,
		worker,
		admin,
		seed,
		dataDir,
		databaseUrl: url,
		pids: () => [web.pid, sync.pid, worker.pid],
		async stop() {
			await Promise.all([web.stop(), sync.stop(), worker.stop()]);
			await dropPostgresDatabase(dbName);
			await cleanRedisPrefix(prefix);
			rmSync(dataDir, { recursive: true, force: true });
		}
	};
}
