import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { setPriority, tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';

/** The build the benchmarks run (HH_BUILD_DIR lets it live beside other engineers' builds). */
export const BUILD_DIR = process.env.HH_BUILD_DIR || 'build-bench';
export const ENTRIES = {
	embedded: `${BUILD_DIR}/main.js`,
	web: `${BUILD_DIR}/main.js`,
	sync: `${BUILD_DIR}/sync-server.js`,
	worker: `${BUILD_DIR}/worker.js`
} as const;
export type Role = keyof typeof ENTRIES;

export const SECRET_KEY = 'bench-secret-key-that-is-long-enough-0123456789abcdef';
export const POSTGRES_ADMIN_URL = process.env.BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';

export function assertBuilt(): void {
	for (const entry of Object.values(ENTRIES)) {
		if (!existsSync(entry)) {
			throw new Error(`${entry} is missing: build first with HH_BUILD_DIR=${BUILD_DIR} npm run build`);
		}
	}
}

/**
 * BENCH_NICE (e.g. -5): scheduling priority of the benchmark's processes (servers, load
 * generators and this process) on a machine shared with other work. 0, the default, leaves
 * them as they are. With the kernel's autogroup scheduling (sched_autogroup_enabled=1), CPU is
 * shared between sessions first, so each server and load generator runs in a session of its
 * own (spawned detached) and the nice value is given to its autogroup as well. Needs root.
 */
export const BENCH_NICE = Number(process.env.BENCH_NICE ?? 0);

function setNice(pid: number, nice: number): void {
	try {
		setPriority(pid, nice);
	} catch {
		// not allowed, or gone
	}
	try {
		writeFileSync(`/proc/${pid}/autogroup`, String(nice));
	} catch {
		// no autogroup scheduling, not allowed, or gone
	}
}

/** Gives one process (and its autogroup) BENCH_NICE for the rest of its life. */
export function prioritize(pid: number | undefined): void {
	if (BENCH_NICE && pid !== undefined) setNice(pid, BENCH_NICE);
}

/**
 * Runs a measurement with the given processes (and this one) at BENCH_NICE, then back at 0:
 * the benchmark takes priority over other work only while it measures.
 */
export async function prioritized<T>(pids: Array<number | undefined>, measure: () => Promise<T>): Promise<T> {
	const all = [process.pid, ...pids].filter((p): p is number => p !== undefined);
	if (!BENCH_NICE) return measure();
	for (const pid of all) setNice(pid, BENCH_NICE);
	try {
		return await measure();
	} finally {
		for (const pid of all) setNice(pid, 0);
	}
}

/** Children spawned detached (own session): killed if this process exits without stopping them. */
const detachedChildren = new Set<ChildProcess>();
process.on('exit', () => {
	for (const child of detachedChildren) if (child.exitCode === null) child.kill('SIGKILL');
});

export function trackDetached(child: ChildProcess): void {
	detachedChildren.add(child);
	child.once('exit', () => detachedChildren.delete(child));
}

export function tempDir(prefix: string): string {
	return mkdtempSync(path.join(tmpdir(), `hh-bench-${prefix}-`));
}

export const uniqueRedisPrefix = () => `hhbench-${randomBytes(4).toString('hex')}`;

/** A free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
	return new Promise((resolve, reject) => {
		const srv = createServer();
		srv.once('error', reject);
		srv.listen(0, '127.0.0.1', () => {
			const address = srv.address();
			const port = typeof address === 'object' && address ? address.port : 0;
			srv.close(() => resolve(port));
		});
	});
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export interface ServerProcess {
	child: ChildProcess;
	pid: number;
	port: number;
	url: string;
	logFile: string;
	/** SIGTERM, then wait for the exit (graceful: stores documents, closes the database). */
	stop(timeoutMs?: number): Promise<number | null>;
	exited(): boolean;
}

export interface StartOptions {
	role?: Role;
	env?: Record<string, string>;
	dataDir?: string;
	port?: number;
	/** Extra node flags (e.g. --cpu-prof). */
	nodeArgs?: string[];
	/** Wait for /health/live (default) or for /health/ready. */
	waitFor?: 'live' | 'ready' | 'none';
	timeoutMs?: number;
}

/**
 * Starts a built process with its logs written to a file (not piped: reading a busy pino stream
 * would cost this process CPU on the same two cores) and waits until it answers.
 */
export async function startServer(options: StartOptions = {}): Promise<ServerProcess> {
	const role = options.role ?? 'embedded';
	const port = options.port ?? (await freePort());
	const dataDir = options.dataDir ?? tempDir('data');
	const logFile = path.join(tmpdir(), `hh-bench-${role}-${port}-${Date.now()}.log`);
	const fd = openSync(logFile, 'a');
	const child = spawn(process.execPath, [...(options.nodeArgs ?? []), ENTRIES[role], role], {
		env: {
			PATH: process.env.PATH,
			HOME: process.env.HOME,
			PORT: String(port),
			HOST: '127.0.0.1',
			DATA_DIR: dataDir,
			LOG_LEVEL: 'info',
			SECRET_KEY,
			RATE_LIMIT_PER_MINUTE: '0',
			REDIS_PREFIX: uniqueRedisPrefix(),
			...options.env
		},
		stdio: ['ignore', fd, fd],
		detached: true
	});
	closeSync(fd);
	trackDetached(child);
	let exitCode: number | null | undefined;
	const exit = new Promise<number | null>((resolve) =>
		child.once('exit', (code) => {
			exitCode = code;
			resolve(code);
		})
	);
	const url = `http://127.0.0.1:${port}`;
	const proc: ServerProcess = {
		child,
		pid: child.pid as number,
		port,
		url,
		logFile,
		exited: () => exitCode !== undefined,
		async stop(timeoutMs = 30_000) {
			if (exitCode !== undefined) return exitCode;
			child.kill('SIGTERM');
			const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
			const code = await exit;
			clearTimeout(timer);
			return code;
		}
	};
	if (options.waitFor !== 'none') {
		const path = options.waitFor === 'ready' ? '/health/ready' : '/health/live';
		const deadline = Date.now() + (options.timeoutMs ?? 60_000);
		for (;;) {
			if (exitCode !== undefined) throw new Error(`${role} exited with ${exitCode}:\n${tail(logFile)}`);
			if (Date.now() > deadline) {
				await proc.stop();
				throw new Error(`${role} did not answer ${path} in time:\n${tail(logFile)}`);
			}
			try {
				const res = await fetch(url + path);
				await res.arrayBuffer();
				if (res.ok) break;
			} catch {
				// not listening yet
			}
			await sleep(25);
		}
	}
	return proc;
}

export function tail(file: string, lines = 20): string {
	try {
		return readFileSync(file, 'utf8').trim().split('\n').slice(-lines).join('\n');
	} catch {
		return '(no log)';
	}
}

/** Resident set size of a process in bytes (VmRSS), or null when it is gone. */
export function rssOf(pid: number): number | null {
	try {
		const status = readFileSync(`/proc/${pid}/status`, 'utf8');
		const match = /VmRSS:\s+(\d+) kB/.exec(status);
		return match ? Number(match[1]) * 1024 : null;
	} catch {
		return null;
	}
}

/** CPU time (user + system, ms) a process has used so far, from /proc/<pid>/stat. */
export function cpuMsOf(pid: number): number | null {
	try {
		const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
		const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
		// fields[11] = utime, fields[12] = stime (clock ticks, 100 Hz on Linux)
		return (Number(fields[11]) + Number(fields[12])) * 10;
	} catch {
		return null;
	}
}

/** Creates a fresh Postgres database for one run; returns its URL. */
export async function createPostgresDatabase(name: string): Promise<string> {
	const { default: pg } = await import('pg');
	const admin = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
	await admin.connect();
	try {
		await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
		await admin.query(`CREATE DATABASE "${name}"`);
	} finally {
		await admin.end();
	}
	const url = new URL(POSTGRES_ADMIN_URL);
	url.pathname = `/${name}`;
	return url.toString();
}

export async function dropPostgresDatabase(name: string): Promise<void> {
	const { default: pg } = await import('pg');
	const admin = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
	await admin.connect();
	try {
		await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
	} finally {
		await admin.end();
	}
}

/** Deletes every Redis key under a prefix (a benchmark's own keys only). */
export async function cleanRedisPrefix(prefix: string): Promise<void> {
	const { Redis } = await import('ioredis');
	const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
	try {
		let cursor = '0';
		do {
			const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
			cursor = next;
			if (keys.length) await redis.del(...keys);
		} while (cursor !== '0');
	} finally {
		redis.disconnect();
	}
}

/** Busy and total CPU time of the whole machine so far (ms), from /proc/stat. */
export function machineCpuMs(): { busy: number; total: number } {
	const line = readFileSync('/proc/stat', 'utf8').split('\n')[0];
	const v = line.trim().split(/\s+/).slice(1).map(Number);
	// user nice system idle iowait irq softirq steal
	const idle = v[3] + v[4];
	const total = v.slice(0, 8).reduce((a, b) => a + b, 0);
	return { busy: (total - idle) * 10, total: total * 10 };
}

/**
 * Measures, over a window, how busy the whole machine was and how much of it came from
 * processes that are not part of the benchmark (other work sharing the two cores).
 */
export function cpuWindow(ownPids: () => number[]) {
	const m0 = machineCpuMs();
	const own0 = new Map(ownPids().map((pid) => [pid, cpuMsOf(pid) ?? 0]));
	const self0 = process.cpuUsage();
	const t0 = performance.now();
	return () => {
		const m1 = machineCpuMs();
		const wall = performance.now() - t0;
		let own = 0;
		for (const pid of ownPids()) own += (cpuMsOf(pid) ?? 0) - (own0.get(pid) ?? 0);
		const self = process.cpuUsage(self0);
		own += (self.user + self.system) / 1000;
		const busy = m1.busy - m0.busy;
		const cores = (m1.total - m0.total) / wall;
		return {
			/** Percent of one core, summed over cores (200 = both cores fully busy). */
			machineBusyPercent: Math.round((busy / wall) * 1000) / 10,
			benchmarkPercent: Math.round((own / wall) * 1000) / 10,
			otherProcessesPercent: Math.round((Math.max(0, busy - own) / wall) * 1000) / 10,
			cores: Math.round(cores * 10) / 10
		};
	};
}

/**
 * Other engineers share this machine (builds, test runs): wait, up to `timeoutMs`, until the
 * whole machine is nearly idle before a measurement. Returns the busy level seen last
 * (percent of one core, 200 = both cores) and how long it waited.
 */
export async function waitForQuietMachine(
	options: { maxBusyPercent?: number; sampleMs?: number; timeoutMs?: number; log?: (msg: string) => void } = {}
): Promise<{ busyPercent: number; waitedSeconds: number; quiet: boolean }> {
	const maxBusy = options.maxBusyPercent ?? 25;
	const sampleMs = options.sampleMs ?? 3000;
	const timeoutMs = options.timeoutMs ?? Number(process.env.BENCH_QUIET_TIMEOUT_MS ?? 600_000);
	const started = Date.now();
	let lastLog = 0;
	for (;;) {
		const a = machineCpuMs();
		await sleep(sampleMs);
		const b = machineCpuMs();
		const busyPercent = Math.round(((b.busy - a.busy) / sampleMs) * 100);
		const waitedSeconds = Math.round((Date.now() - started) / 1000);
		if (busyPercent <= maxBusy) return { busyPercent, waitedSeconds, quiet: true };
		if (Date.now() - started > timeoutMs) return { busyPercent, waitedSeconds, quiet: false };
		if (Date.now() - lastLog > 30_000) {
			lastLog = Date.now();
			options.log?.(`machine busy (${busyPercent}% of ${200}%) with other work: waiting for a quiet moment`);
		}
	}
}

/**
 * Runs a measurement up to `attempts` times, each after waiting for a quiet machine, until one
 * ran with other processes using at most `maxOtherPercent` of the CPU; returns the least
 * disturbed run and a line per attempt (so contention is reported, not hidden).
 */
export async function leastDisturbed<T>(
	run: () => Promise<T>,
	otherPercent: (result: T) => number,
	options: { attempts?: number; maxOtherPercent?: number; log?: (msg: string) => void } = {}
): Promise<{ result: T; attempts: Array<{ otherProcessesPercent: number; quietBefore: number }> }> {
	const attempts = options.attempts ?? Number(process.env.BENCH_ATTEMPTS ?? 3);
	const maxOther = options.maxOtherPercent ?? 20;
	const seen: Array<{ result: T; other: number; quietBefore: number }> = [];
	for (let i = 0; i < attempts; i++) {
		const quiet = await waitForQuietMachine({ log: options.log });
		const result = await run();
		const other = otherPercent(result);
		seen.push({ result, other, quietBefore: quiet.busyPercent });
		if (other <= maxOther) break;
		options.log?.(`other processes used ${other}% CPU during the measurement: measuring again`);
	}
	const best = seen.reduce((a, b) => (b.other < a.other ? b : a));
	return {
		result: best.result,
		attempts: seen.map((s) => ({ otherProcessesPercent: s.other, quietBefore: s.quietBefore }))
	};
}
