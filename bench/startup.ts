/**
 * Start-up: time from `npm start` to a 200 from /health/ready on an EXISTING data directory.
 *
 *   npx tsx bench/startup.ts [--runs 5]
 *
 * 1. Prepares a data directory: one start on an empty folder, the first account, 20 users and a
 *    stored live document, then a graceful stop.
 * 2. `--runs` times: spawns `npm start` (HH_SKIP_BUILD=1, so a stale build is not rebuilt while
 *    other engineers edit sources) and polls /health/ready every 10 ms from the instant of spawn.
 * 3. The same with `node $HH_BUILD_DIR/main.js` directly, to separate npm's own start-up.
 * 4. A breakdown of one start from the process's own log lines and a phase-by-phase replay
 *    (import of the bundle, PGlite open, migrations check) in a child process.
 */
import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { HocuspocusProvider, HocuspocusProviderWebsocket } from '@hocuspocus/provider';
import WebSocket from 'ws';
import * as Y from 'yjs';
import { createUsers, notesDocument, registerAdmin } from './lib/fixtures';
import {
	BUILD_DIR,
	ENTRIES,
	SECRET_KEY,
	assertBuilt,
	freePort,
	prioritize,
	sleep,
	startServer,
	tempDir,
	waitForQuietMachine
} from './lib/proc';
import { log, machineInfo, numberArg, writeResult } from './lib/results';
import { round, summarize } from './lib/stats';

const RUNS = numberArg('runs', 5);
const GOAL_MS = 5000;

interface StartSample {
	/** Spawn → first answer of any kind (the HTTP server listens). */
	listeningMs: number;
	/** Spawn → first 200 from /health/ready. */
	readyMs: number;
	/** The process's own count from server/main.ts (handler import + boot + listen). */
	selfReportedStartMs: number | null;
	/** Spawn → the first log line (Node + npm + start.mjs + module loading before any log). */
	firstLogMs: number | null;
}

async function timedStart(how: 'npm' | 'node', dataDir: string): Promise<StartSample> {
	const port = await freePort();
	const logFile = path.join(tmpdir(), `hh-bench-startup-${how}-${port}.log`);
	const fd = openSync(logFile, 'w');
	const env = {
		PATH: process.env.PATH,
		HOME: process.env.HOME,
		PORT: String(port),
		HOST: '127.0.0.1',
		DATA_DIR: dataDir,
		LOG_LEVEL: 'info',
		SECRET_KEY,
		HH_BUILD_DIR: BUILD_DIR,
		HH_SKIP_BUILD: '1'
	};
	const startedEpoch = Date.now();
	const started = performance.now();
	const child =
		how === 'npm'
			? spawn('npm', ['start', '--silent'], { env, stdio: ['ignore', fd, fd], detached: true })
			: spawn(process.execPath, [ENTRIES.embedded], { env, stdio: ['ignore', fd, fd], detached: true });
	closeSync(fd);
	prioritize(child.pid);
	let exited = false;
	const exit = new Promise<void>((resolve) =>
		child.once('exit', () => {
			exited = true;
			resolve();
		})
	);
	let listeningMs = NaN;
	let readyMs = NaN;
	const deadline = started + 60_000;
	while (performance.now() < deadline && !exited) {
		try {
			const res = await fetch(`http://127.0.0.1:${port}/health/ready`);
			await res.arrayBuffer();
			if (Number.isNaN(listeningMs)) listeningMs = performance.now() - started;
			if (res.status === 200) {
				readyMs = performance.now() - started;
				break;
			}
		} catch {
			// not listening yet
		}
		await sleep(10);
	}
	// Stop the whole group (npm → sh → node) gracefully and wait for it.
	try {
		process.kill(-(child.pid as number), 'SIGTERM');
	} catch {
		// already gone
	}
	const killTimer = setTimeout(() => {
		try {
			process.kill(-(child.pid as number), 'SIGKILL');
		} catch {
			// gone
		}
	}, 30_000);
	await exit;
	clearTimeout(killTimer);
	// npm may exit before node has finished closing PGlite: wait until the group is gone.
	for (let i = 0; i < 300; i++) {
		try {
			process.kill(-(child.pid as number), 0);
			await sleep(50);
		} catch {
			break;
		}
	}
	if (Number.isNaN(readyMs))
		throw new Error(`no ready answer (${how}):\n${readFileSync(logFile, 'utf8').slice(-3000)}`);
	let selfReportedStartMs: number | null = null;
	let firstLogMs: number | null = null;
	for (const line of readFileSync(logFile, 'utf8').split('\n')) {
		try {
			const entry = JSON.parse(line) as { time?: string; startMs?: number; msg?: string };
			if (entry.time && firstLogMs === null) firstLogMs = Date.parse(entry.time) - startedEpoch;
			if (typeof entry.startMs === 'number') selfReportedStartMs = entry.startMs;
		} catch {
			// npm's own lines
		}
	}
	return { listeningMs: round(listeningMs, 1), readyMs: round(readyMs, 1), selfReportedStartMs, firstLogMs };
}

/** Times the phases of a start in a fresh Node process (each phase as the product runs it). */
function phaseScript(dataDir: string): string {
	const pglite = path.resolve('node_modules/@electric-sql/pglite/dist/index.js');
	return `
const t0 = performance.now();
const mark = (label, since) => { out[label] = Math.round((performance.now() - since) * 10) / 10; };
const out = {};
let t = performance.now();
const { PGlite } = await import(${JSON.stringify(pglite)});
mark('import @electric-sql/pglite', t);
t = performance.now();
const db = await PGlite.create(${JSON.stringify(path.join(dataDir, 'pg'))});
mark('PGlite.create (existing data dir)', t);
t = performance.now();
await db.query('select 1');
mark('first query', t);
t = performance.now();
await db.query('select count(*) from users');
mark('count users', t);
t = performance.now();
await db.close();
mark('PGlite close', t);
out['total'] = Math.round((performance.now() - t0) * 10) / 10;
console.log(JSON.stringify(out));
`;
}

async function runPhaseReplay(dataDir: string): Promise<Record<string, number>> {
	const file = path.join(tmpdir(), `hh-bench-phases-${Date.now()}.mjs`);
	writeFileSync(file, phaseScript(dataDir));
	const child = spawn(process.execPath, [file], { stdio: ['ignore', 'pipe', 'inherit'] });
	let stdout = '';
	child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
	await new Promise<void>((resolve) => child.once('exit', () => resolve()));
	return JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as Record<string, number>;
}

/** Node itself: how long does an empty `node -e 0` and the npm CLI take on this machine? */
async function baseline(cmd: string, argv: string[]): Promise<number> {
	const started = performance.now();
	await new Promise<void>((resolve) => spawn(cmd, argv, { stdio: 'ignore' }).once('exit', () => resolve()));
	return performance.now() - started;
}

async function main() {
	assertBuilt();
	const machine = machineInfo();
	const dataDir = tempDir('startup');
	log(`preparing ${dataDir}`);
	const first = performance.now();
	const server = await startServer({ dataDir, waitFor: 'ready' });
	const freshReadyMs = performance.now() - first;
	const admin = await registerAdmin(server.url);
	const users = await createUsers(server.url, admin, 20);
	// One stored live document, so the data directory holds every kind of row.
	const doc = new Y.Doc();
	const socket = new HocuspocusProviderWebsocket({
		url: `ws://127.0.0.1:${server.port}/collab`,
		WebSocketPolyfill: WebSocket
	});
	const provider = new HocuspocusProvider({
		websocketProvider: socket,
		name: notesDocument(users[0].id),
		token: users[0].token,
		document: doc
	});
	provider.attach();
	await new Promise<void>((resolve) => provider.on('synced', () => resolve()));
	doc.getText('bench').insert(0, 'hello from the start-up benchmark');
	await sleep(300);
	provider.destroy();
	socket.destroy();
	await sleep(500);
	await server.stop();
	log(`prepared (a start on an empty folder took ${round(freshReadyMs, 0)} ms to ready, migrations included)`);

	const npmSamples: StartSample[] = [];
	const nodeSamples: StartSample[] = [];
	const busyBefore: number[] = [];
	for (let i = 0; i < RUNS; i++) {
		busyBefore.push((await waitForQuietMachine({ sampleMs: 2000, log })).busyPercent);
		npmSamples.push(await timedStart('npm', dataDir));
		log(`npm start #${i + 1}: ready in ${npmSamples[i].readyMs} ms`);
		busyBefore.push((await waitForQuietMachine({ sampleMs: 2000, log })).busyPercent);
		nodeSamples.push(await timedStart('node', dataDir));
		log(`node main.js #${i + 1}: ready in ${nodeSamples[i].readyMs} ms`);
	}
	const phases = await runPhaseReplay(dataDir);
	log('phases', phases);
	const nodeEmptyMs = await baseline(process.execPath, ['-e', '0']);
	const npmVersionMs = await baseline('npm', ['--version']);

	const npmReady = summarize(npmSamples.map((s) => s.readyMs));
	const nodeReady = summarize(nodeSamples.map((s) => s.readyMs));
	const result = {
		machine,
		goal: { readyMs: GOAL_MS },
		runs: RUNS,
		freshDataDirReadyMs: round(freshReadyMs, 0),
		npmStart: { readyMs: npmReady, samples: npmSamples },
		nodeMain: { readyMs: nodeReady, samples: nodeSamples },
		ratioToGoal: round(npmReady.p50 / GOAL_MS, 3),
		worstRatioToGoal: round(npmReady.max / GOAL_MS, 3),
		met: npmReady.max < GOAL_MS,
		phaseReplay: phases,
		machineBusyPercentBeforeEachStart: busyBefore,
		baselines: { nodeEmptyMs: round(nodeEmptyMs, 0), npmVersionMs: round(npmVersionMs, 0) }
	};
	rmSync(dataDir, { recursive: true, force: true });
	const file = writeResult('startup', result);
	log(`npm start → ready: p50 ${npmReady.p50} ms, max ${npmReady.max} ms (goal < ${GOAL_MS}); written ${file}`);
}

await main();
