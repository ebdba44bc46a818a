/**
 * `GET /api/v1/requirements` with 1,000 requirements and filters, at a fixed 200 requests/s
 * (open loop), and the closed-loop capacity.
 *
 *   npx tsx bench/requirements-list.ts [--count 1000] [--rate 200] [--seconds 30] [--warmup 5]
 *       [--modes embedded,web] [--no-profile] [--writes 1]
 *
 * Data, made through the API as clients would: 10 departments, 5 hiring managers, 3 job levels,
 * `--count` requirements (titles, cities, salaries and justifications drawn from small word
 * lists, so text searches match a few percent of them) spread over the lifecycle: 40 % draft,
 * 25 % pending approval, 20 % approved, 15 % open (each really submitted, approved and opened).
 * E-mails are switched off for the seeded accounts so no background job runs while measuring.
 *
 * The load: an admin (who sees everything) asks, in turn, eight list queries a page would send —
 * the default page, a status filter, status + department, department + manager, a text search,
 * text + status, a manager's requirements sorted by title (page 2), and page 10 of 50. Open loop
 * (bench/lib/open-loop.ts, the method of bench/auth-me.ts): each request at its scheduled
 * instant, latency from that instant. Meanwhile a writer edits one requirement `--writes` times a
 * second (its title, alternating): list pages are cached per query while nothing changes
 * (src/lib/server/cache/read-model-cache.ts), and every edit makes each query miss once, so the
 * figures include that path at a realistic edit rate. Server: `main.js` in a process of its own, logs at
 * LOG_LEVEL=info to a file, API rate limit off; `embedded` (PGlite) and `web` (distributed
 * web process on Postgres + Redis).
 */
import { mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { registerAdmin, type Account } from './lib/fixtures';
import { call, createAccount, inParallel, pendingApprovalOf } from './lib/hiring';
import { closedLoop, openLoop } from './lib/open-loop';
import {
	REDIS_URL,
	assertBuilt,
	cleanRedisPrefix,
	createPostgresDatabase,
	dropPostgresDatabase,
	leastDisturbed,
	prioritized,
	sleep,
	startServer,
	uniqueRedisPrefix
} from './lib/proc';
import { monotonicUs, newestProfile, summarizeCpuProfile } from './lib/profile';
import { flag, log, machineInfo, numberArg, writeResult } from './lib/results';
import { round } from './lib/stats';

const COUNT = numberArg('count', 1000);
const RATE = numberArg('rate', 200);
const SECONDS = numberArg('seconds', 30);
const WARMUP = numberArg('warmup', 5);
const WRITES = numberArg('writes', 1);
const GOAL_P95_MS = 20;
const modesArg = process.argv.indexOf('--modes');
const MODES = (modesArg > 0 ? process.argv[modesArg + 1] : 'embedded,web').split(',') as Array<'embedded' | 'web'>;

const ROLES = ['Engineer', 'Designer', 'Analyst', 'Manager', 'Specialist', 'Consultant', 'Architect', 'Lead'];
const AREAS = [
	'Backend',
	'Frontend',
	'Data',
	'Platform',
	'Security',
	'Mobile',
	'Payments',
	'Growth',
	'Support',
	'Finance'
];
const LEVELS = ['Junior', 'Senior', 'Staff', 'Principal'];
const CITIES = ['Berlin', 'Lisbon', 'Paris', 'Madrid', 'Warsaw', 'Vienna', 'Dublin', 'Prague', 'Milan', 'Oslo'];
const COUNTRIES = ['DE', 'PT', 'FR', 'ES', 'PL', 'AT', 'IE', 'CZ', 'IT', 'NO'];
const REASONS = [
	'The team doubles next year',
	'Replacing a departure',
	'New product line',
	'Customer growth in the region',
	'Backlog of security reviews'
];

interface Seeded {
	admin: Account;
	/** A draft the writer edits while the list is measured. */
	editable: { id: string; token: string };
	departments: string[];
	managers: Array<Account & { name: string }>;
	byStatus: Record<string, number>;
	seedSeconds: number;
}

/** Departments, levels, people and COUNT requirements spread over the lifecycle. */
async function seed(baseUrl: string): Promise<Seeded> {
	const started = performance.now();
	const admin = await registerAdmin(baseUrl);
	const managers: Array<Account & { name: string }> = [];
	for (let i = 0; i < 5; i++)
		managers.push(await createAccount(baseUrl, admin, 'hiring_manager', `Manager ${i}`, { quiet: true }));
	const approver = await createAccount(baseUrl, admin, 'approver', 'Bench Approver', { quiet: true });
	await createAccount(baseUrl, admin, 'recruiter', 'Bench Recruiter', { quiet: true });
	const departments: string[] = [];
	for (const area of AREAS)
		departments.push((await call(baseUrl, admin.token, 'POST', '/departments', { name: area })).id);
	const levels: string[] = [];
	for (const [i, name] of ['Junior', 'Senior', 'Staff'].entries()) {
		levels.push((await call(baseUrl, admin.token, 'POST', '/job-levels', { name, rank: i + 1 })).id);
	}
	const byStatus: Record<string, number> = {};
	const drafts: string[] = [];
	await inParallel(COUNT, 6, async (i) => {
		const manager = managers[i % managers.length];
		const created = await call(baseUrl, manager.token, 'POST', '/requirements', {
			title: `${LEVELS[i % LEVELS.length]} ${AREAS[(i * 7) % AREAS.length]} ${ROLES[(i * 3) % ROLES.length]}`,
			department_id: departments[i % departments.length],
			job_level_id: levels[i % levels.length],
			headcount: 1 + (i % 3),
			employment_type: i % 9 === 0 ? 'contract' : 'full_time',
			location_city: CITIES[(i * 11) % CITIES.length],
			location_country: COUNTRIES[(i * 11) % COUNTRIES.length],
			remote_policy: ['onsite', 'hybrid', 'remote'][i % 3],
			salary_min: 40000 + (i % 50) * 1000,
			salary_max: 60000 + (i % 50) * 1000,
			currency: 'EUR',
			justification: `${REASONS[i % REASONS.length]} (${i})`
		});
		const slot = i % 20;
		if (slot === 0 && manager === managers[0]) drafts.push(created.id);
		let status = 'draft';
		if (slot >= 8) {
			await call(baseUrl, manager.token, 'POST', `/requirements/${created.id}/submit`, {});
			status = 'pending_approval';
		}
		if (slot >= 13) {
			const approval = await pendingApprovalOf(baseUrl, approver.token, created.id, approver.id);
			await call(baseUrl, approver.token, 'POST', `/approvals/${approval}/approve`, {});
			status = 'approved';
		}
		if (slot >= 17) {
			await call(baseUrl, manager.token, 'POST', `/requirements/${created.id}/open`, {});
			status = 'open';
		}
		byStatus[status] = (byStatus[status] ?? 0) + 1;
	});
	return {
		admin,
		editable: { id: drafts[0], token: managers[0].token },
		departments,
		managers,
		byStatus,
		seedSeconds: round((performance.now() - started) / 1000, 1)
	};
}

function queries(s: Seeded) {
	const d = s.departments;
	const m = s.managers;
	return [
		{ label: 'default page', path: '/api/v1/requirements' },
		{ label: 'status=open', path: '/api/v1/requirements?status=open' },
		{
			label: 'status×2 + department',
			path: `/api/v1/requirements?status=pending_approval&status=approved&department_id=${d[2]}`
		},
		{ label: 'department + manager', path: `/api/v1/requirements?department_id=${d[3]}&hiring_manager_id=${m[3].id}` },
		{ label: 'text search', path: '/api/v1/requirements?q=security%20architect' },
		{ label: 'text + status', path: '/api/v1/requirements?q=berlin&status=draft' },
		{ label: 'manager, by title, page 2', path: `/api/v1/requirements?hiring_manager_id=${m[1].id}&sort=title&page=2` },
		{ label: 'page 10 of 50', path: '/api/v1/requirements?page=10&page_size=50' }
	];
}

/**
 * Edits one requirement `perSecond` times a second until stopped; answers how many edits landed.
 * Each edit bumps the list's change counter, so every cached page is asked again once.
 */
function startWriter(baseUrl: string, target: Seeded['editable'], perSecond: number) {
	let stopped = perSecond <= 0;
	let edits = 0;
	const done = (async () => {
		let { version } = await call(baseUrl, target.token, 'GET', `/requirements/${target.id}`);
		while (!stopped) {
			const next = Date.now() + 1000 / perSecond;
			const updated = await call(baseUrl, target.token, 'PATCH', `/requirements/${target.id}`, {
				title: edits % 2 ? 'Bench edited role' : 'Bench edited role, again',
				version
			});
			version = updated.version;
			edits++;
			await sleep(Math.max(0, next - Date.now()));
		}
	})();
	return {
		async stop() {
			stopped = true;
			await done;
			return edits;
		}
	};
}

async function startFor(mode: 'embedded' | 'web', dataDir: string, nodeArgs: string[] = []) {
	const env: Record<string, string> = {};
	let dbName: string | null = null;
	let prefix: string | null = null;
	if (mode === 'web') {
		dbName = `hh_bench_reqlist_${process.pid}`;
		prefix = uniqueRedisPrefix();
		env.DATABASE_URL = await createPostgresDatabase(dbName);
		env.REDIS_URL = REDIS_URL;
		env.REDIS_PREFIX = prefix;
	}
	const server = await startServer({ role: mode, dataDir, env, nodeArgs });
	return {
		server,
		async cleanup() {
			await server.stop();
			if (dbName) await dropPostgresDatabase(dbName);
			if (prefix) await cleanRedisPrefix(prefix);
		}
	};
}

async function measureMode(mode: 'embedded' | 'web') {
	const dataDir = path.join(tmpdir(), `hh-bench-reqlist-${mode}-${Date.now()}`);
	mkdirSync(dataDir, { recursive: true });
	log(`${mode}: starting the server`);
	const { server, cleanup } = await startFor(mode, dataDir);
	try {
		log(`${mode}: seeding ${COUNT} requirements through the API`);
		const seeded = await seed(server.url);
		log(`${mode}: seeded in ${seeded.seedSeconds} s: ${JSON.stringify(seeded.byStatus)}`);
		const paths = queries(seeded);
		// What each query returns (a sanity check that the filters select something).
		const totals: Record<string, number> = {};
		for (const q of paths) {
			const page = await call(server.url, seeded.admin.token, 'GET', q.path.replace('/api/v1', ''));
			totals[q.label] = page.pagination.total_items;
		}
		log(`${mode}: matches per query ${JSON.stringify(totals)}`);
		const { result, attempts } = await leastDisturbed(
			() =>
				prioritized([server.pid], async () => {
					log(`${mode}: warm-up ${WARMUP} s at ${RATE}/s`);
					await openLoop(server, seeded.admin.token, paths, RATE, WARMUP);
					log(`${mode}: measuring ${SECONDS} s at ${RATE}/s, ${WRITES} edit(s)/s`);
					const writer = startWriter(server.url, seeded.editable, WRITES);
					const fixed = await openLoop(server, seeded.admin.token, paths, RATE, SECONDS);
					const edits = await writer.stop();
					log(
						`${mode}: ${fixed.ok}/${fixed.sent} ok, p50 ${fixed.latencyMs.p50} p95 ${fixed.latencyMs.p95} p99 ${fixed.latencyMs.p99} ms, server CPU ${fixed.serverCpuPercent}% (${fixed.serverCpuMsPerRequest} ms/request), other processes ${fixed.machineCpu.otherProcessesPercent}%`
					);
					await sleep(1000);
					const capacity = await closedLoop(server, seeded.admin.token, paths, 8, 10);
					log(`${mode}: capacity ${capacity.rps} req/s, p50 ${capacity.latencyMs.p50} ms`);
					return { fixed: { ...fixed, editsDuringMeasurement: edits }, capacity };
				}),
			(r) => r.fixed.machineCpu.otherProcessesPercent,
			{ log }
		);
		return {
			requirements: COUNT,
			byStatus: seeded.byStatus,
			seedSeconds: seeded.seedSeconds,
			matchesPerQuery: totals,
			fixedRate: result.fixed,
			capacity: result.capacity,
			attempts,
			ratioP95ToGoal: round(result.fixed.latencyMs.p95 / GOAL_P95_MS, 3),
			met: result.fixed.latencyMs.p95 < GOAL_P95_MS && result.fixed.failed === 0,
			dataDir,
			seeded
		};
	} finally {
		await cleanup();
	}
}

/** Where one request's CPU goes: the embedded server on the same data, under --cpu-prof. */
async function profileEmbedded(dataDir: string, seeded: Seeded) {
	const token = seeded.admin.token;
	const paths = queries(seeded);
	const profileDir = path.join(dataDir, 'profile');
	mkdirSync(profileDir, { recursive: true });
	const server = await startServer({ dataDir, nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] });
	try {
		await openLoop(server, token, paths, RATE, 5);
		log('profiling 10 s at the fixed rate');
		const fromUs = monotonicUs();
		const writer = startWriter(server.url, seeded.editable, WRITES);
		const profiled = await openLoop(server, token, paths, RATE, 10);
		await writer.stop();
		const toUs = monotonicUs();
		await server.stop();
		const file = newestProfile(profileDir);
		if (!file) return null;
		const summary = summarizeCpuProfile(file, {
			fromUs,
			toUs,
			inclusiveMatch:
				/^(validateSessionToken|listRequirements|queryRequirements|withCapabilities|capabilities|paginated|toApiShape|execProtocolRawSync|execProtocol|query|LOG|internal_respond|render_endpoint) /
		});
		return {
			requests: profiled.sent,
			latencyMsUnderProfiler: profiled.latencyMs,
			cpuMsPerRequest: round(summary.busyMs / profiled.sent, 2),
			...summary
		};
	} finally {
		await server.stop();
	}
}

async function main() {
	const machine = machineInfo();
	assertBuilt();
	const results: Record<string, unknown> = {};
	let profile: unknown = null;
	for (const mode of MODES) {
		const r = await measureMode(mode);
		const { dataDir, seeded, ...rest } = r;
		results[mode] = rest;
		if (mode === 'embedded' && !flag('no-profile')) {
			try {
				profile = await profileEmbedded(dataDir, seeded);
			} catch (err) {
				log(`profile failed: ${String(err)}`);
			}
		}
		rmSync(dataDir, { recursive: true, force: true });
	}
	const file = writeResult('requirements-list', {
		machine,
		goal: { p95Ms: GOAL_P95_MS, rate: RATE },
		method: `open loop at ${RATE} req/s for ${SECONDS} s after a ${WARMUP} s warm-up, eight list queries in turn, while one requirement is edited ${WRITES} time(s) a second; latency from the scheduled send instant`,
		...results,
		profile
	});
	log(`written ${file}`);
}

await main();
