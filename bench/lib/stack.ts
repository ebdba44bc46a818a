import { rmSync } from 'node:fs';
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

export type Mode = 'embedded' | 'distributed';

/**
 * The product as one benchmark needs it: `embedded` is `main.js` alone (PGlite, sync at
 * /collab on the same port); `distributed` is a web process (API) and a sync-server process on
 * a fresh Postgres database and a unique Redis prefix. `sync` is the process holding the live
 * documents in either mode.
 */
export interface Stack {
	mode: Mode;
	apiUrl: string;
	collabUrl: string;
	sync: ServerProcess;
	web: ServerProcess;
	/** Stops and starts the process holding the live documents (same data, same port). */
	restartSync(extraNodeArgs?: string[]): Promise<void>;
	env: Record<string, string>;
	/** DATA_DIR of the processes (PGlite lives in <dataDir>/pg in embedded mode). */
	dataDir: string;
	stop(): Promise<void>;
}

export async function startStack(
	mode: Mode,
	options: { name: string; env?: Record<string, string>; syncNodeArgs?: string[] }
): Promise<Stack> {
	const dataDir = tempDir(options.name);
	if (mode === 'embedded') {
		const env = { ...options.env };
		let server = await startServer({ role: 'embedded', dataDir, env, nodeArgs: options.syncNodeArgs });
		const stack: Stack = {
			mode,
			apiUrl: server.url,
			collabUrl: `ws://127.0.0.1:${server.port}/collab`,
			sync: server,
			web: server,
			env,
			dataDir,
			async restartSync(extraNodeArgs) {
				await server.stop();
				server = await startServer({ role: 'embedded', dataDir, env, port: server.port, nodeArgs: extraNodeArgs });
				stack.sync = server;
				stack.web = server;
			},
			async stop() {
				await server.stop();
				rmSync(dataDir, { recursive: true, force: true });
			}
		};
		return stack;
	}
	const dbName = `hh_bench_${options.name.replace(/\W/g, '_')}_${process.pid}`;
	const prefix = uniqueRedisPrefix();
	const env = {
		DATABASE_URL: await createPostgresDatabase(dbName),
		REDIS_URL,
		REDIS_PREFIX: prefix,
		...options.env
	};
	const web = await startServer({ role: 'web', dataDir, env });
	let sync = await startServer({ role: 'sync', dataDir, env, nodeArgs: options.syncNodeArgs });
	const stack: Stack = {
		mode,
		apiUrl: web.url,
		collabUrl: `ws://127.0.0.1:${sync.port}/collab`,
		sync,
		web,
		env,
		dataDir,
		async restartSync(extraNodeArgs) {
			await sync.stop();
			sync = await startServer({ role: 'sync', dataDir, env, port: sync.port, nodeArgs: extraNodeArgs });
			stack.sync = sync;
		},
		async stop() {
			await Promise.all([stack.sync.stop(), web.stop()]);
			await dropPostgresDatabase(dbName);
			await cleanRedisPrefix(prefix);
			rmSync(dataDir, { recursive: true, force: true });
		}
	};
	return stack;
}

/** The loaded-document count the sync process reports in /health/ready ("N connections, M documents"); -1 if absent. */
export async function loadedDocuments(stack: Stack): Promise<number> {
	const res = await fetch(`${stack.sync.url}/health/ready`);
	const body = (await res.json().catch(() => null)) as { checks?: { sync?: { detail?: string } } } | null;
	const match = /(\d+) documents/.exec(body?.checks?.sync?.detail ?? '');
	return match ? Number(match[1]) : -1;
}
