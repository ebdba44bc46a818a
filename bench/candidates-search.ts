/**
 * `GET /api/v1/candidates?q=…` at a fixed 200 requests/s (open loop) on the issue 4 data set:
 * 10,000 candidates with CV text (~2 KB each), 500 requirements, 30,000 applications.
 *
 *   npx tsx bench/candidates-search.ts [--rate 200] [--seconds 30] [--warmup 5] [--writes 1]
 *        [--modes embedded,distributed] [--profile]
 *
 * The queries rotate through bench/lib/candidate-seed.ts SEARCH_QUERIES: a word in most CVs,
 * words in hundreds and in a handful of CVs, a first name, a surname prefix, two-word queries.
 * Each answer is the first page (20) ranked by relevance with the total count.
 *
 * List answers are cached per query and caller while no candidate (or application, …) changes
 * (src/lib/server/cache/read-model-cache.ts, migration 0012). So that the figures are not those
 * of a database nobody writes to, a writer changes one candidate through the API `--writes`
 * times a second during the warm-up and the measurement (500 candidates spread over the data set,
 * in turn; their current title, alternating). A change makes a cached answer be re-checked
 * against the changed row (migration 0013), and re-queried when the row moves into, out of or
 * within it. The cache's hits, rechecks, misses (queries run) and coalesced lookups (requests
 * that waited for a lookup another request had started) during the measurement come from the
 * server's /metrics (`cacheLookups`; `hitRate` = lookups answered without a query / all lookups).
 *
 * After the fixed-rate run, every query is timed alone (closed loop, one at a time) twice:
 * `perQueryUncached` with a change of who may see what before each request (so each is a miss:
 * the query's own cost) and `perQuery` repeated without changes (hits after the first).
 *
 * `--profile` runs the process answering the API under --cpu-prof and adds where its CPU went
 * during the fixed-rate run (`profile`, with the CPU milliseconds per request); the latency of
 * such a run includes the profiler's overhead.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { SEARCH_QUERIES } from './lib/candidate-seed';
import { startSeededStack, type CandidateMode } from './lib/candidate-stack';
import type { Account } from './lib/fixtures';
import { call, createAccount } from './lib/hiring';
import { get, openLoop } from './lib/open-loop';
import { monotonicUs, newestProfile, summarizeCpuProfile } from './lib/profile';
import { assertBuilt, leastDisturbed, prioritized, sleep, tempDir } from './lib/proc';
import { flag, log, machineInfo, numberArg, writeResult } from './lib/results';
import { round, summarize } from './lib/stats';

const RATE = numberArg('rate', 200);
const SECONDS = numberArg('seconds', 30);
const WARMUP = numberArg('warmup', 5);
const WRITES = numberArg('writes', 1);
const PROFILE = flag('profile');
const GOAL = { p95Ms: 20, p99Ms: 50 };
const modesArg = process.argv.indexOf('--modes');
const MODES = (modesArg > 0 ? process.argv[modesArg + 1] : 'embedded,distributed').split(',') as CandidateMode[];

const PATHS = SEARCH_QUERIES.map((q) => ({ label: q, path: `/api/v1/candidates?q=${encodeURIComponent(q)}` }));

/**
 * The candidates the writer changes, through the API: 500 spread over the data set (five pages of
 * 100, from the newest to the oldest), each in turn, their current title alternating. A change
 * may take a candidate's title word out of (or into) a query's ranking, as a real edit would.
 */
async function candidateEditor(baseUrl: string, token: string) {
	const targets: Array<{ id: string; version: number }> = [];
	for (const page of [1, 21, 41, 61, 81]) {
		const list = await call(baseUrl, token, 'GET', `/candidates?page_size=100&page=${page}`);
		for (const c of list.items) targets.push({ id: c.id, version: c.version });
	}
	let edits = 0;
	return {
		async edit() {
			// A stride through the list, so that consecutive changes are far apart in it.
			const target = targets[(edits * 37) % targets.length];
			const updated = await call(baseUrl, token, 'PATCH', `/candidates/${target.id}`, {
				current_title: edits % 2 ? 'Bench edited title' : 'Bench edited title, again',
				version: target.version
			});
			target.version = updated.version;
			edits++;
		},
		edits: () => edits
	};
}

/**
 * A change of who may see which candidate (a viewer's departments, alternating between one and
 * none): every cached list answer is re-queried, so the request after it measures the query's
 * own cost.
 */
async function everythingChanger(baseUrl: string, admin: Account) {
	const user = await createAccount(baseUrl, admin, 'viewer', `Search Bench Viewer ${Date.now()}`);
	const [department] = (await call(baseUrl, admin.token, 'GET', '/departments')).items;
	let changes = 0;
	return () =>
		call(baseUrl, admin.token, 'PATCH', `/users/${user.id}`, {
			department_ids: changes++ % 2 ? [] : [department.id]
		});
}

/** Changes a candidate `perSecond` times a second until stopped; answers how many changes landed. */
function startWriter(editor: Awaited<ReturnType<typeof candidateEditor>>, perSecond: number) {
	let stopped = perSecond <= 0;
	const first = editor.edits();
	const done = (async () => {
		while (!stopped) {
			const next = Date.now() + 1000 / perSecond;
			await editor.edit();
			await sleep(Math.max(0, next - Date.now()));
		}
	})();
	return {
		async stop() {
			stopped = true;
			await done;
			return editor.edits() - first;
		}
	};
}

/** The candidates list cache's lookups so far, from the server's /metrics. */
async function cacheLookups(baseUrl: string) {
	const text = await (await fetch(`${baseUrl}/metrics`)).text();
	const value = (outcome: string) =>
		Number(
			new RegExp(`read_model_cache_lookups_total\\{cache="candidates_list",outcome="${outcome}"\\} (\\d+)`).exec(
				text
			)?.[1] ?? 0
		);
	return { hits: value('hit'), rechecked: value('rechecked'), misses: value('miss'), coalesced: value('coalesced') };
}

async function measure(mode: CandidateMode) {
	log(`${mode}: starting and seeding`);
	const profileDir = PROFILE ? tempDir(`search-profile-${mode}`) : null;
	if (profileDir) mkdirSync(profileDir, { recursive: true });
	const stack = await startSeededStack(mode, {
		name: `search-${mode}`,
		// The process answering the API: the embedded one, or the web process.
		nodeArgs: profileDir
			? {
					embedded: ['--cpu-prof', `--cpu-prof-dir=${profileDir}`],
					web: ['--cpu-prof', `--cpu-prof-dir=${profileDir}`]
				}
			: {}
	});
	let profileWindow: { fromUs: number; toUs: number; requests: number } | null = null;
	let result;
	try {
		log(`${mode}: seeded in ${stack.seed?.seconds} s`);
		const token = stack.admin.token;
		const web = stack.web;
		// What each query finds (the total shows how much ranking work it asks for).
		const totals: Record<string, number> = {};
		for (const q of SEARCH_QUERIES) {
			const res = await fetch(`${stack.apiUrl}/api/v1/candidates?q=${encodeURIComponent(q)}`, {
				headers: { authorization: `Bearer ${token}` }
			});
			const body = (await res.json()) as { data: { pagination: { total_items: number } } };
			totals[q] = body.data.pagination.total_items;
		}
		log(`${mode}: matches per query ${JSON.stringify(totals)}`);
		const editor = await candidateEditor(stack.apiUrl, token);
		const changeEverything = await everythingChanger(stack.apiUrl, stack.admin);
		const { warmup, fixed, edits, lookups } = await prioritized(stack.pids(), async () => {
			const warmupWriter = startWriter(editor, WRITES);
			const warmup = await openLoop(web, token, PATHS, RATE, WARMUP);
			await warmupWriter.stop();
			log(`${mode}: measuring ${SECONDS} s at ${RATE}/s, ${WRITES} candidate change(s)/s`);
			const before = await cacheLookups(stack.apiUrl);
			const fromUs = monotonicUs();
			const writer = startWriter(editor, WRITES);
			const fixed = await openLoop(web, token, PATHS, RATE, SECONDS);
			const edits = await writer.stop();
			profileWindow = { fromUs, toUs: monotonicUs(), requests: fixed.sent + edits };
			const after = await cacheLookups(stack.apiUrl);
			return {
				warmup,
				fixed,
				edits,
				lookups: {
					hits: after.hits - before.hits,
					rechecked: after.rechecked - before.rechecked,
					misses: after.misses - before.misses,
					coalesced: after.coalesced - before.coalesced
				}
			};
		});
		// Answered without a query of their own: hits and rechecks. Coalesced lookups waited for
		// another request's lookup (a query or a re-check): counted with neither.
		const all = lookups.hits + lookups.rechecked + lookups.misses + lookups.coalesced;
		const hitRate = round((lookups.hits + lookups.rechecked) / Math.max(1, all), 3);
		log(
			`${mode}: ${fixed.ok}/${fixed.sent} ok, p50 ${fixed.latencyMs.p50} p95 ${fixed.latencyMs.p95} p99 ${fixed.latencyMs.p99} ms, server CPU ${fixed.serverCpuPercent}% (${fixed.serverCpuMsPerRequest} ms/request), ${edits} changes, answered without a query ${hitRate} (${lookups.rechecked} rechecked, ${lookups.misses} queries, ${lookups.coalesced} coalesced), other processes ${fixed.machineCpu.otherProcessesPercent}%`
		);
		await sleep(500);
		const alone = async (changeFirst: boolean) => {
			const out: Record<string, { matches: number; latencyMs: ReturnType<typeof summarize> }> = {};
			for (const q of SEARCH_QUERIES) {
				const samples: number[] = [];
				const path = `/api/v1/candidates?q=${encodeURIComponent(q)}`;
				for (let i = 0; i < 20; i++) {
					if (changeFirst) await changeEverything();
					const t = performance.now();
					await get(web.port, path, token);
					samples.push(performance.now() - t);
				}
				out[q] = { matches: totals[q], latencyMs: summarize(samples) };
			}
			return out;
		};
		const p50s = (r: Record<string, { latencyMs: { p50: number } }>) =>
			Object.entries(r)
				.map(([q, v]) => `${q}=${v.latencyMs.p50}`)
				.join(' ');
		const perQueryUncached = await alone(true);
		log(`${mode}: alone, uncached (every answer re-queried before each), p50 per query ${p50s(perQueryUncached)}`);
		const perQuery = await alone(false);
		log(`${mode}: alone, repeated (cached after the first), p50 per query ${p50s(perQuery)}`);
		result = {
			seed: stack.seed && { ...stack.seed, requirementIds: undefined },
			warmup: { latencyMs: warmup.latencyMs, ok: warmup.ok },
			fixedRate: { ...fixed, changesDuringMeasurement: edits, cacheLookups: lookups, hitRate },
			perQueryUncached,
			perQuery,
			met: fixed.latencyMs.p95 < GOAL.p95Ms && fixed.latencyMs.p99 < GOAL.p99Ms && fixed.failed === 0,
			ratioP95ToGoal: round(fixed.latencyMs.p95 / GOAL.p95Ms, 3),
			ratioP99ToGoal: round(fixed.latencyMs.p99 / GOAL.p99Ms, 3)
		};
	} finally {
		await stack.stop();
	}
	return { ...result, profile: profileDir && profileWindow ? summarizeProfile(profileDir, profileWindow) : null };
}

/** Where the API process's CPU went during the fixed-rate run (its profile is written at exit). */
function summarizeProfile(dir: string, window: { fromUs: number; toUs: number; requests: number }) {
	const file = newestProfile(dir);
	if (!file) return null;
	const summary = summarizeCpuProfile(file, {
		fromUs: window.fromUs,
		toUs: window.toUs,
		inclusiveMatch:
			/^(validateSessionToken|listCandidates|queryCandidates|readCounter|paginated|toApiShape|execProtocolRawSync|execProtocol|query|LOG|internal_respond|render_endpoint|handle|stringify) /
	});
	return {
		cpuMsPerRequest: round(summary.busyMs / Math.max(1, window.requests), 2),
		...summary,
		file: path.basename(file)
	};
}

async function main() {
	const machine = machineInfo();
	assertBuilt();
	const results: Record<string, unknown> = {};
	for (const mode of MODES) {
		const { result, attempts } = await leastDisturbed(
			() => measure(mode),
			(r) => r.fixedRate.machineCpu.otherProcessesPercent,
			{ log }
		);
		results[mode] = { ...result, attempts };
	}
	const file = writeResult('candidates-search', {
		machine,
		goal: { ...GOAL, rate: RATE },
		queries: SEARCH_QUERIES,
		method: `open loop at ${RATE} req/s for ${SECONDS} s after a ${WARMUP} s warm-up, queries rotating; latency from the scheduled send instant`,
		...results
	});
	log(`written ${file}`);
}

await main();
