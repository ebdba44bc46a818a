/**
 * `GET /api/v1/auth/me` at a fixed 200 requests/s (open loop), and the closed-loop capacity.
 *
 *   npx tsx bench/auth-me.ts [--rate 200] [--seconds 30] [--warmup 5] [--modes embedded,web] [--no-profile]
 *
 * The generator is this process; the server is a separate process (`$HH_BUILD_DIR/main.js`,
 * logs to a file at LOG_LEVEL=info as in production, API rate limit off). Requests are scheduled
 * at fixed instants (every 1000/rate ms) whether or not earlier answers came back, and latency
 * is measured from the scheduled instant, so a stall shows up in every request it delays
 * (no coordinated omission). HTTP/1.1 keep-alive, up to 256 sockets.
 *
 * Modes: `embedded` — the default `npm start` (PGlite in the process); `web` — distributed mode,
 * the web process on Postgres (+ Redis).
 */
import http from 'node:http';
import { mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { registerAdmin } from './lib/fixtures';
import {
	REDIS_URL,
	assertBuilt,
	cpuWindow,
	leastDisturbed,
	prioritized,
	cleanRedisPrefix,
	cpuMsOf,
	createPostgresDatabase,
	dropPostgresDatabase,
	sleep,
	startServer,
	uniqueRedisPrefix,
	type ServerProcess
} from './lib/proc';
import { monotonicUs, newestProfile, summarizeCpuProfile } from './lib/profile';
import { flag, log, machineInfo, numberArg, writeResult } from './lib/results';
import { Samples, round, summarize } from './lib/stats';

const RATE = numberArg('rate', 200);
const SECONDS = numberArg('seconds', 30);
const WARMUP = numberArg('warmup', 5);
const GOAL_P95_MS = 10;
const modesArg = process.argv.indexOf('--modes');
const MODES = (modesArg > 0 ? process.argv[modesArg + 1] : 'embedded,web').split(',') as Array<'embedded' | 'web'>;

const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });

function get(port: number, token: string): Promise<number> {
	return new Promise((resolve) => {
		const req = http.request(
			{
				host: '127.0.0.1',
				port,
				path: '/api/v1/auth/me',
				method: 'GET',
				agent,
				headers: { authorization: `Bearer ${token}` },
				timeout: 10_000
			},
			(res) => {
				res.on('data', () => {});
				res.on('end', () => resolve(res.statusCode ?? 0));
				res.on('error', () => resolve(-1));
			}
		);
		req.on('timeout', () => req.destroy(new Error('timeout')));
		req.on('error', () => resolve(-1));
		req.end();
	});
}

interface OpenLoopResult {
	rate: number;
	seconds: number;
	sent: number;
	ok: number;
	failed: number;
	statuses: Record<string, number>;
	achievedRps: number;
	latencyMs: ReturnType<typeof summarize>;
	/** How late the generator fired requests (its own scheduling noise, included in latency). */
	sendLagMs: ReturnType<typeof summarize>;
	serverCpuPercent: number | null;
	generatorCpuPercent: number;
	machineCpu: ReturnType<ReturnType<typeof cpuWindow>>;
}

/** Fires `rate` requests per second for `seconds`, each at its scheduled instant. */
async function openLoop(server: ServerProcess, token: string, rate: number, seconds: number): Promise<OpenLoopResult> {
	const interval = 1000 / rate;
	const total = Math.round(rate * seconds);
	const latency = new Samples();
	const lag = new Samples();
	const statuses: Record<string, number> = {};
	let done = 0;
	let ok = 0;
	const serverCpu0 = cpuMsOf(server.pid);
	const ownCpu0 = process.cpuUsage();
	const window = cpuWindow(() => [server.pid]);
	const start = performance.now() + 20;
	let finished!: () => void;
	const allDone = new Promise<void>((resolve) => (finished = resolve));
	let i = 0;
	while (i < total) {
		const now = performance.now();
		while (i < total && start + i * interval <= now) {
			const scheduled = start + i * interval;
			lag.push(now - scheduled);
			i++;
			void get(server.port, token).then((status) => {
				latency.push(performance.now() - scheduled);
				statuses[status] = (statuses[status] ?? 0) + 1;
				if (status === 200) ok++;
				if (++done === total) finished();
			});
		}
		const next = start + i * interval;
		await sleep(Math.max(0, next - performance.now() - 0.5));
	}
	await allDone;
	const elapsed = performance.now() - start;
	const serverCpu1 = cpuMsOf(server.pid);
	const ownCpu = process.cpuUsage(ownCpu0);
	const machineCpu = window();
	return {
		machineCpu,
		rate,
		seconds,
		sent: total,
		ok,
		failed: total - ok,
		statuses,
		achievedRps: round((total / elapsed) * 1000, 1),
		latencyMs: latency.summary(),
		sendLagMs: lag.summary(),
		serverCpuPercent:
			serverCpu0 !== null && serverCpu1 !== null ? round(((serverCpu1 - serverCpu0) / elapsed) * 100, 1) : null,
		generatorCpuPercent: round(((ownCpu.user + ownCpu.system) / 1000 / elapsed) * 100, 1)
	};
}

/** Closed loop: `concurrency` clients, each sending its next request when the last answered. */
async function closedLoop(server: ServerProcess, token: string, concurrency: number, seconds: number) {
	const latency = new Samples();
	let ok = 0;
	let failed = 0;
	const started = performance.now();
	const end = started + seconds * 1000;
	await Promise.all(
		Array.from({ length: concurrency }, async () => {
			while (performance.now() < end) {
				const t = performance.now();
				const status = await get(server.port, token);
				latency.push(performance.now() - t);
				if (status === 200) ok++;
				else failed++;
			}
		})
	);
	const elapsed = performance.now() - started;
	return { concurrency, seconds, ok, failed, rps: round((ok / elapsed) * 1000, 0), latencyMs: latency.summary() };
}

async function startFor(mode: 'embedded' | 'web', profileDir?: string) {
	const dataDir = path.join(tmpdir(), `hh-bench-authme-${mode}-${Date.now()}`);
	mkdirSync(dataDir, { recursive: true });
	const env: Record<string, string> = {};
	let dbName: string | null = null;
	let prefix: string | null = null;
	if (mode === 'web') {
		dbName = `hh_bench_authme_${process.pid}`;
		prefix = uniqueRedisPrefix();
		env.DATABASE_URL = await createPostgresDatabase(dbName);
		env.REDIS_URL = REDIS_URL;
		env.REDIS_PREFIX = prefix;
	}
	const server = await startServer({
		role: mode,
		dataDir,
		env,
		nodeArgs: profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : []
	});
	return {
		server,
		async cleanup() {
			await server.stop();
			if (dbName) await dropPostgresDatabase(dbName);
			if (prefix) await cleanRedisPrefix(prefix);
			rmSync(dataDir, { recursive: true, force: true });
		}
	};
}

async function measureMode(mode: 'embedded' | 'web') {
	log(`${mode}: starting the server`);
	const { server, cleanup } = await startFor(mode);
	try {
		const admin = await registerAdmin(server.url);
		const { warmup, fixed, capacity } = await prioritized([server.pid], async () => {
			log(`${mode}: warm-up ${WARMUP} s at ${RATE}/s`);
			const warmup = await openLoop(server, admin.token, RATE, WARMUP);
			log(`${mode}: measuring ${SECONDS} s at ${RATE}/s`);
			const fixed = await openLoop(server, admin.token, RATE, SECONDS);
			log(
				`${mode}: ${fixed.ok}/${fixed.sent} ok, p50 ${fixed.latencyMs.p50} p95 ${fixed.latencyMs.p95} p99 ${fixed.latencyMs.p99} ms, server CPU ${fixed.serverCpuPercent}%, other processes ${fixed.machineCpu.otherProcessesPercent}%`
			);
			await sleep(1000);
			log(`${mode}: closed-loop capacity (8 connections, 10 s)`);
			const capacity = await closedLoop(server, admin.token, 8, 10);
			log(`${mode}: capacity ${capacity.rps} req/s, p50 ${capacity.latencyMs.p50} ms`);
			return { warmup, fixed, capacity };
		});
		return {
			warmup: { latencyMs: warmup.latencyMs, ok: warmup.ok },
			fixedRate: fixed,
			ratioP95ToGoal: round(fixed.latencyMs.p95 / GOAL_P95_MS, 3),
			met: fixed.latencyMs.p95 < GOAL_P95_MS && fixed.failed === 0,
			capacity
		};
	} finally {
		await cleanup();
	}
}

async function main() {
	const machine = machineInfo();
	assertBuilt();
	const results: Record<string, unknown> = {};
	for (const mode of MODES) {
		const { result, attempts } = await leastDisturbed(
			() => measureMode(mode),
			(r) => r.fixedRate.machineCpu.otherProcessesPercent,
			{
				log
			}
		);
		results[mode] = { ...result, attempts };
	}

	let profile: unknown = null;
	if (!flag('no-profile')) {
		// Where does one request's time go? A separate embedded server, started a second time on
		// its data folder (no initdb in the profile) under --cpu-prof; only the samples of the
		// profiled window count.
		const dataDir = path.join(tmpdir(), `hh-bench-authme-prof-${Date.now()}`);
		const profileDir = path.join(dataDir, 'profile');
		mkdirSync(profileDir, { recursive: true });
		const first = await startServer({ dataDir });
		const admin = await registerAdmin(first.url);
		await first.stop();
		const server = await startServer({ dataDir, nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] });
		try {
			const { profiled, fromUs, toUs } = await prioritized([server.pid], async () => {
				await openLoop(server, admin.token, RATE, 5);
				log('profiling 10 s at the fixed rate');
				const fromUs = monotonicUs();
				const profiled = await openLoop(server, admin.token, RATE, 10);
				return { profiled, fromUs, toUs: monotonicUs() };
			});
			await server.stop();
			const file = newestProfile(profileDir);
			if (file) {
				const summary = summarizeCpuProfile(file, {
					fromUs,
					toUs,
					inclusiveMatch:
						/^(validateSessionToken|requestContext|authenticate|rateLimit|securityHeaders|apiErrors|firstRun|idempotency|internal_respond|render_endpoint|execute|LOG|observe|inc|execProtocolRawSync) /
				});
				profile = {
					requests: profiled.sent,
					latencyMsUnderProfiler: profiled.latencyMs,
					cpuMsPerRequest: round(summary.busyMs / profiled.sent, 2),
					...summary
				};
			}
		} finally {
			await server.stop();
			rmSync(dataDir, { recursive: true, force: true });
		}
	}

	const file = writeResult('auth-me', {
		machine,
		goal: { p95Ms: GOAL_P95_MS, rate: RATE },
		method: `open loop at ${RATE} req/s for ${SECONDS} s after a ${WARMUP} s warm-up; latency from the scheduled send instant`,
		...results,
		profile
	});
	log(`written ${file}`);
}

await main();
