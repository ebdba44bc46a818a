/**
 * Time from an approval to the submitter's bell updating: from the instant the approver's
 * `POST /api/v1/approvals/:id/approve` is sent to the instant the submitter's open event stream
 * (GET /api/v1/events, what the bell listens to) delivers the `notification.created` event of
 * that requirement.
 *
 *   npx tsx bench/approval-bell.ts [--approvals 60] [--gap 300] [--modes embedded,distributed]
 *
 * A hiring manager submits `--approvals` requirements (default workflow: one step, any approver);
 * their tab holds the event stream. Then, one at a time `--gap` ms apart, the approver approves
 * each one — the last step, so the requirement becomes approved and the manager is notified
 * (in-app notification + e-mail job, written in the decision's transaction; the event is
 * published after COMMIT). Each sample: approve sent → event parsed by the manager's client.
 * The POST's own response time is recorded beside it.
 *
 * Modes: `embedded` — `main.js` (PGlite, in-process event bus, in-process job runner writing
 * the e-mails to the outbox); `distributed` — two web processes on Postgres + Redis: the
 * approver talks to one, the manager's stream is held by the other, so every event crosses the
 * Redis bus as it does behind a load balancer (e-mail jobs go to BullMQ).
 */
import { registerAdmin, type Account } from './lib/fixtures';
import { call, createAccount, pendingApprovalOf } from './lib/hiring';
import {
	REDIS_URL,
	assertBuilt,
	cleanRedisPrefix,
	cpuMsOf,
	cpuWindow,
	createPostgresDatabase,
	dropPostgresDatabase,
	leastDisturbed,
	prioritized,
	sleep,
	startServer,
	tempDir,
	uniqueRedisPrefix,
	type ServerProcess
} from './lib/proc';
import { log, machineInfo, numberArg, writeResult } from './lib/results';
import { openEventStream } from './lib/sse';
import { Samples, round } from './lib/stats';

const APPROVALS = numberArg('approvals', 60);
const GAP_MS = numberArg('gap', 300);
const GOAL_MS = 200;
const modesArg = process.argv.indexOf('--modes');
const MODES = (modesArg > 0 ? process.argv[modesArg + 1] : 'embedded,distributed').split(',') as Array<
	'embedded' | 'distributed'
>;

interface Servers {
	/** Where the approver's POSTs go. */
	api: ServerProcess;
	/** Where the manager's event stream is held. */
	events: ServerProcess;
	all: ServerProcess[];
	cleanup(): Promise<void>;
}

async function startServers(mode: 'embedded' | 'distributed'): Promise<Servers> {
	const dataDir = tempDir('bell');
	if (mode === 'embedded') {
		const server = await startServer({ role: 'embedded', dataDir });
		return { api: server, events: server, all: [server], cleanup: () => server.stop().then(() => undefined) };
	}
	const dbName = `hh_bench_bell_${process.pid}`;
	const prefix = uniqueRedisPrefix();
	const env = { DATABASE_URL: await createPostgresDatabase(dbName), REDIS_URL, REDIS_PREFIX: prefix };
	const a = await startServer({ role: 'web', dataDir, env });
	const b = await startServer({ role: 'web', dataDir, env });
	return {
		api: a,
		events: b,
		all: [a, b],
		async cleanup() {
			await Promise.all([a.stop(), b.stop()]);
			await dropPostgresDatabase(dbName);
			await cleanRedisPrefix(prefix);
		}
	};
}

async function measure(servers: Servers, manager: Account, approver: Account, departmentId: string) {
	const base = servers.api.url;
	// The requirements waiting for this run's approvals, submitted beforehand.
	const pending: Array<{ requirementId: string; approvalId: string }> = [];
	for (let i = 0; i < APPROVALS; i++) {
		const created = await call(base, manager.token, 'POST', '/requirements', {
			title: `Bell ${Date.now()}-${i}`,
			department_id: departmentId,
			remote_policy: 'onsite'
		});
		await call(base, manager.token, 'POST', `/requirements/${created.id}/submit`, {});
		pending.push({
			requirementId: created.id,
			approvalId: await pendingApprovalOf(base, approver.token, created.id, approver.id)
		});
	}
	const stream = await openEventStream(servers.events.url, manager.token);
	try {
		await stream.next((e) => e.event === 'ready');
		await sleep(1000); // the e-mail jobs of the submissions run (embedded) before measuring
		const toBell = new Samples();
		const response = new Samples();
		const afterResponse = new Samples();
		const cpu0 = servers.all.map((s) => cpuMsOf(s.pid) ?? 0);
		const window = cpuWindow(() => servers.all.map((s) => s.pid));
		const started = performance.now();
		for (const { requirementId, approvalId } of pending) {
			const sent = performance.now();
			const answered = call(base, approver.token, 'POST', `/approvals/${approvalId}/approve`, {}).then(() =>
				performance.now()
			);
			const event = await stream.next(
				(e) =>
					e.event === 'notification.created' &&
					e.data.notification?.subject_id === requirementId &&
					e.data.notification?.kind === 'requirement_approved'
			);
			const answeredAt = await answered;
			toBell.push(event.at - sent);
			response.push(answeredAt - sent);
			afterResponse.push(event.at - answeredAt);
			await sleep(GAP_MS);
		}
		const elapsed = performance.now() - started;
		const cpuMs = servers.all.reduce((sum, s, i) => sum + ((cpuMsOf(s.pid) ?? 0) - cpu0[i]), 0);
		return {
			approvals: toBell.length,
			toBellMs: toBell.summary(),
			approveResponseMs: response.summary(),
			eventAfterResponseMs: afterResponse.summary(),
			serverCpuMsPerApproval: round(cpuMs / toBell.length, 2),
			elapsedSeconds: round(elapsed / 1000, 1),
			machineCpu: window()
		};
	} finally {
		await stream.close();
	}
}

async function measureMode(mode: 'embedded' | 'distributed') {
	log(`${mode}: starting`);
	const servers = await startServers(mode);
	try {
		const base = servers.api.url;
		const admin = await registerAdmin(base);
		// E-mails stay on: the e-mail job is written in the decision's transaction, as in production.
		const manager = await createAccount(base, admin, 'hiring_manager', 'Bell Manager');
		const approver = await createAccount(base, admin, 'approver', 'Bell Approver');
		const department = await call(base, admin.token, 'POST', '/departments', { name: 'Bell' });
		const { result, attempts } = await leastDisturbed(
			() =>
				prioritized(
					servers.all.map((s) => s.pid),
					() => measure(servers, manager, approver, department.id)
				),
			(r) => r.machineCpu.otherProcessesPercent,
			{ log }
		);
		log(
			`${mode}: approve → bell p50 ${result.toBellMs.p50} p95 ${result.toBellMs.p95} p99 ${result.toBellMs.p99} max ${result.toBellMs.max} ms (POST answered p50 ${result.approveResponseMs.p50} ms), other processes ${result.machineCpu.otherProcessesPercent}%`
		);
		return {
			...result,
			attempts,
			ratioP95ToGoal: round(result.toBellMs.p95 / GOAL_MS, 3),
			met: result.toBellMs.p95 < GOAL_MS
		};
	} finally {
		await servers.cleanup();
	}
}

async function main() {
	const machine = machineInfo();
	assertBuilt();
	const results: Record<string, unknown> = {};
	for (const mode of MODES) results[mode] = await measureMode(mode);
	const file = writeResult('approval-bell', {
		machine,
		goal: { p95Ms: GOAL_MS },
		method: `${APPROVALS} approvals one at a time, ${GAP_MS} ms apart; approve POST sent → notification.created parsed from the submitter's event stream`,
		...results
	});
	log(`written ${file}`);
}

await main();
