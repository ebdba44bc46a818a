/**
 * Memory of the sync process holding 10,000 idle, authenticated, synced live-document
 * connections.
 *
 *   npx tsx bench/idle-connections.ts [--connections 10000] [--clients 4] [--hold 30]
 *                                     [--layouts per-user,shared] [--rounds 2]
 *
 * The process measured is $HH_BUILD_DIR/sync-server.js of distributed mode (Postgres + Redis):
 * "the sync process" of the goal. (The embedded all-in-one process also holds PGlite, whose
 * WebAssembly heap alone is several hundred MB: see BENCHMARKS.md.)
 * Layouts: `per-user` — 10,000 users, each with their own notes document open (10,000 loaded
 * documents, the worst case); `shared` — 100 users × 100 sessions on their 100 notes documents.
 *
 * Accounts: the admin through the API; the 10,000 others are inserted straight into the
 * database (users with the admin's password hash, sessions keyed by SHA-256 of a random token,
 * exactly as the product stores them) — creating them one by one through argon2 would take
 * longer than the benchmark. Connections are raw `ws` clients speaking the provider's messages
 * (bench/lib/idle-clients.ts) in `--clients` child processes. File descriptors: the script
 * re-executes itself under `ulimit -n <hard limit>` when the soft limit is too low.
 */
import { execFileSync, fork, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { encodeBase32LowerCaseNoPadding } from '@oslojs/encoding';
import { registerAdmin } from './lib/fixtures';
import { assertBuilt, rssOf, sleep, trackDetached } from './lib/proc';
import { log, machineInfo, numberArg, writeResult } from './lib/results';
import { startStack, type Mode, type Stack } from './lib/stack';
import { round } from './lib/stats';

const CONNECTIONS = numberArg('connections', 10_000);
const CLIENTS = numberArg('clients', 4);
const HOLD_SECONDS = numberArg('hold', 30);
const ROUNDS = numberArg('rounds', 2);
const GOAL_MIB = 400;
const argValue = (name: string, fallback: string) => {
	const i = process.argv.indexOf(`--${name}`);
	return i > 0 ? process.argv[i + 1] : fallback;
};
const LAYOUTS = argValue('layouts', 'per-user,shared').split(',') as Array<'per-user' | 'shared'>;
const MODES: Mode[] = ['distributed'];

function openFilesLimit(): { soft: number; hard: number } {
	const line = readFileSync('/proc/self/limits', 'utf8')
		.split('\n')
		.find((l) => l.startsWith('Max open files')) as string;
	const [soft, hard] = line
		.replace('Max open files', '')
		.trim()
		.split(/\s+/)
		.map((v) => (v === 'unlimited' ? Infinity : Number(v)));
	return { soft, hard };
}

/** Server and clients need a descriptor per connection: raise the soft limit (re-exec). */
function ensureFileLimit(): void {
	const { soft, hard } = openFilesLimit();
	const needed = CONNECTIONS + 2000;
	if (soft >= needed) return;
	if (process.env.HH_BENCH_REEXEC) throw new Error(`ulimit -n is ${soft}; ${needed} needed (hard limit ${hard})`);
	const limit = Number.isFinite(hard) ? hard : 65536;
	log(`raising ulimit -n from ${soft} to ${limit} (re-executing)`);
	const quoted = process.argv
		.slice(1)
		.map((a) => `'${a.replace(/'/g, `'\\''`)}'`)
		.join(' ');
	const result = spawnSync('bash', ['-c', `ulimit -n ${limit} && exec '${process.execPath}' --import tsx ${quoted}`], {
		stdio: 'inherit',
		env: { ...process.env, HH_BENCH_REEXEC: '1' }
	});
	process.exit(result.status ?? 1);
}

interface Target {
	document: string;
	token: string;
}

/** Inserts users and their sessions directly (see the header) and returns one target per connection. */
async function seedAccounts(databaseUrl: string, users: number, sessionsPerUser: number): Promise<Target[]> {
	const { default: pg } = await import('pg');
	const client = new pg.Client({ connectionString: databaseUrl });
	await client.connect();
	try {
		const {
			rows: [admin]
		} = await client.query(`select password_hash from users where role = 'super_admin' limit 1`);
		const tag = randomBytes(3).toString('hex');
		const targets: Target[] = [];
		for (let start = 0; start < users; start += 1000) {
			const n = Math.min(1000, users - start);
			const { rows } = await client.query(
				`insert into users (email, name, password_hash, role)
				 select 'idle-' || $1 || '-' || g || '@bench.example', 'Idle ' || g, $2, 'interviewer'
				 from generate_series($3::int, $4::int) g returning id`,
				[tag, admin.password_hash, start, start + n - 1]
			);
			const ids: string[] = [];
			const userIds: string[] = [];
			for (const { id } of rows as Array<{ id: string }>) {
				for (let s = 0; s < sessionsPerUser; s++) {
					const token = encodeBase32LowerCaseNoPadding(randomBytes(20));
					ids.push(createHash('sha256').update(token).digest('hex'));
					userIds.push(id);
					targets.push({ document: `notes:${id}`, token });
				}
			}
			for (let i = 0; i < ids.length; i += 5000) {
				await client.query(
					`insert into sessions (id, user_id, expires_at)
					 select unnest($1::text[]), unnest($2::uuid[]), now() + interval '30 days'`,
					[ids.slice(i, i + 5000), userIds.slice(i, i + 5000)]
				);
			}
		}
		return targets;
	} finally {
		await client.end();
	}
}

function request<T>(child: ChildProcess, message: unknown, expect: string, onOther?: (m: any) => void): Promise<T> {
	return new Promise((resolve) => {
		const onMessage = (m: { type: string }) => {
			if (m.type === expect) {
				child.off('message', onMessage);
				resolve(m as T);
			} else onOther?.(m);
		};
		child.on('message', onMessage);
		child.send(message as object);
	});
}

interface ProcessMetrics {
	rssMiB: number;
	heapUsedMiB: number;
	heapTotalMiB: number;
	externalMiB: number;
	connections: number;
	documents: number;
}

/** The sync process's own view (/metrics); RSS is read from /proc by the callers. */
async function metricsOf(stack: Stack): Promise<ProcessMetrics> {
	const text = await (await fetch(`${stack.sync.url}/metrics`)).text();
	const pick = (name: string) => {
		const m = new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.e+-]+)$`, 'm').exec(text);
		return m ? Number(m[1]) : NaN;
	};
	const mib = (v: number) => round(v / 2 ** 20, 1);
	return {
		rssMiB: round((rssOf(stack.sync.pid) ?? 0) / 2 ** 20, 1),
		heapUsedMiB: mib(pick('nodejs_heap_size_used_bytes')),
		heapTotalMiB: mib(pick('nodejs_heap_size_total_bytes')),
		externalMiB: mib(pick('nodejs_external_memory_bytes')),
		connections: pick('collab_connections'),
		documents: pick('collab_documents_loaded')
	};
}

/** One round: everyone connects, holds for HOLD_SECONDS, leaves; memory along the way. */
async function oneRound(stack: Stack, targets: Target[], label: string, children: ChildProcess[]) {
	const before = await metricsOf(stack);
	log(`${label}: sync process before: ${before.rssMiB} MiB`);
	const started = performance.now();
	const slices = Array.from({ length: CLIENTS }, (_, i) => targets.filter((_, j) => j % CLIENTS === i));
	const connected = await Promise.all(
		slices.map((slice) => {
			const child = fork(path.resolve('bench/lib/idle-clients.ts'), [], {
				execArgv: ['--import', 'tsx'],
				stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
				detached: true
			});
			trackDetached(child);
			children.push(child);
			return request<Record<string, number>>(
				child,
				{ type: 'connect', url: stack.collabUrl, targets: slice, concurrency: 25 },
				'connected'
			);
		})
	);
	const connectMs = performance.now() - started;
	const sum = (list: Array<Record<string, number>>, key: string) => list.reduce((a, c) => a + (c[key] ?? 0), 0);
	log(
		`${label}: ${sum(connected, 'synced')} synced, ${sum(connected, 'denied')} denied, ${sum(connected, 'errors')} errors in ${round(connectMs / 1000, 1)} s`
	);
	const samples: number[] = [];
	for (let s = 0; s < HOLD_SECONDS; s++) {
		samples.push(rssOf(stack.sync.pid) ?? 0);
		await sleep(1000);
	}
	const held = await metricsOf(stack);
	const stats = await Promise.all(children.map((c) => request<Record<string, number>>(c, { type: 'stats' }, 'stats')));
	const peakMiB = round(Math.max(...samples) / 2 ** 20, 1);
	log(`${label}: holding ${held.connections} connections, ${held.documents} documents: RSS ${held.rssMiB} MiB`);
	// Everyone leaves: the loaded-document count must return to 0.
	await Promise.all(
		children.map((c) => new Promise<void>((r) => (c.once('exit', () => r()), c.send({ type: 'close' }))))
	);
	children.length = 0;
	let teardownPeak = 0;
	const peakTimer = setInterval(() => (teardownPeak = Math.max(teardownPeak, rssOf(stack.sync.pid) ?? 0)), 100);
	let after = await metricsOf(stack);
	for (let i = 0; i < 100 && (after.documents > 0 || after.connections > 0); i++) {
		await sleep(200);
		after = await metricsOf(stack);
	}
	// Unloading 10,000 documents at once leaves garbage: what remains 15 s later?
	await sleep(15_000);
	clearInterval(peakTimer);
	const settled = await metricsOf(stack);
	log(
		`${label}: after everyone left: ${after.connections} connections, ${after.documents} documents; ${settled.rssMiB} MiB 15 s later`
	);
	return {
		synced: sum(connected, 'synced'),
		denied: sum(connected, 'denied'),
		errors: sum(connected, 'errors'),
		closedWhileHeld: sum(stats, 'closed'),
		connectSeconds: round(connectMs / 1000, 1),
		before,
		held,
		peakRssMiB: peakMiB,
		perConnectionKiB: round(((held.rssMiB - before.rssMiB) * 1024) / targets.length, 1),
		afterLeave: after,
		teardownPeakRssMiB: round(teardownPeak / 2 ** 20, 1),
		settled15sAfterLeave: settled,
		clientProcesses: stats.map((s) => ({ rssMiB: round(s.rssBytes / 2 ** 20, 0), closed: s.closed }))
	};
}

async function runLayout(mode: Mode, layout: 'per-user' | 'shared') {
	const stack = await startStack(mode, { name: `idle-${layout}` });
	const children: ChildProcess[] = [];
	try {
		await registerAdmin(stack.apiUrl);
		const [users, perUser] = layout === 'per-user' ? [CONNECTIONS, 1] : [100, Math.ceil(CONNECTIONS / 100)];
		const targets = (await seedAccounts(stack.env.DATABASE_URL, users, perUser)).slice(0, CONNECTIONS);
		log(`${mode}/${layout}: ${users} users, ${targets.length} sessions seeded`);
		await sleep(3000);
		// Round 1 is the measurement; later rounds (everyone again, same sessions) show whether
		// what stayed after round 1 is reused (garbage, caches) or keeps growing (a leak).
		const rounds = [];
		for (let r = 1; r <= ROUNDS; r++)
			rounds.push(await oneRound(stack, targets, `${mode}/${layout} round ${r}`, children));
		const first = rounds[0];
		return {
			layout,
			users,
			connectionsRequested: targets.length,
			...first,
			ratioToGoal: round(Math.max(first.held.rssMiB, first.peakRssMiB) / GOAL_MIB, 3),
			met: Math.max(first.held.rssMiB, first.peakRssMiB) < GOAL_MIB && first.synced === targets.length,
			rounds: rounds.map((r, i) => ({
				round: i + 1,
				synced: r.synced,
				closedWhileHeld: r.closedWhileHeld,
				heldRssMiB: r.held.rssMiB,
				heldHeapUsedMiB: r.held.heapUsedMiB,
				teardownPeakRssMiB: r.teardownPeakRssMiB,
				settledRssMiB: r.settled15sAfterLeave.rssMiB,
				settledHeapUsedMiB: r.settled15sAfterLeave.heapUsedMiB
			}))
		};
	} finally {
		for (const c of children) c.kill();
		await stack.stop();
	}
}

async function main() {
	ensureFileLimit();
	assertBuilt();
	const machine = machineInfo();
	const limits = openFilesLimit();
	const results: Record<string, Record<string, unknown>> = {};
	for (const mode of MODES) {
		results[mode] = {};
		for (const layout of LAYOUTS) results[mode][layout] = await runLayout(mode, layout);
	}
	const file = writeResult('idle-connections', {
		machine,
		goal: { rssMiB: GOAL_MIB, connections: CONNECTIONS },
		ulimitNofile: limits.soft,
		kernel: { somaxconn: execFileSync('cat', ['/proc/sys/net/core/somaxconn'], { encoding: 'utf8' }).trim() },
		...results
	});
	log(`written ${file}`);
}

await main();
