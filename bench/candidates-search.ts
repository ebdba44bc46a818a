/**
 * `GET /api/v1/candidates?q=…` at a fixed 200 requests/s (open loop) on the issue 4 data set:
 * 10,000 candidates with CV text (~2 KB each), 500 requirements, 30,000 applications.
 *
 *   npx tsx bench/candidates-search.ts [--rate 200] [--seconds 30] [--warmup 5]
 *        [--modes embedded,distributed]
 *
 * The queries rotate through bench/lib/candidate-seed.ts SEARCH_QUERIES: a word in most CVs,
 * words in hundreds and in a handful of CVs, a first name, a surname prefix, two-word queries.
 * Each answer is the first page (20) ranked by relevance with the total count. After the
 * fixed-rate run, every query is timed alone (closed loop, one at a time) to show which cost what.
 */
import { SEARCH_QUERIES } from './lib/candidate-seed';
import { startSeededStack, type CandidateMode } from './lib/candidate-stack';
import { get, openLoop } from './lib/open-loop';
import { assertBuilt, leastDisturbed, prioritized, sleep } from './lib/proc';
import { log, machineInfo, numberArg, writeResult } from './lib/results';
import { round, summarize } from './lib/stats';

const RATE = numberArg('rate', 200);
const SECONDS = numberArg('seconds', 30);
const WARMUP = numberArg('warmup', 5);
const GOAL = { p95Ms: 20, p99Ms: 50 };
const modesArg = process.argv.indexOf('--modes');
const MODES = (modesArg > 0 ? process.argv[modesArg + 1] : 'embedded,distributed').split(',') as CandidateMode[];

const PATHS = SEARCH_QUERIES.map((q) => ({ label: q, path: `/api/v1/candidates?q=${encodeURIComponent(q)}` }));

async function measure(mode: CandidateMode) {
	log(`${mode}: starting and seeding`);
	const stack = await startSeededStack(mode, { name: `search-${mode}` });
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
		const { warmup, fixed } = await prioritized(stack.pids(), async () => {
			const warmup = await openLoop(web, token, PATHS, RATE, WARMUP);
			log(`${mode}: measuring ${SECONDS} s at ${RATE}/s`);
			const fixed = await openLoop(web, token, PATHS, RATE, SECONDS);
			return { warmup, fixed };
		});
		log(
			`${mode}: ${fixed.ok}/${fixed.sent} ok, p50 ${fixed.latencyMs.p50} p95 ${fixed.latencyMs.p95} p99 ${fixed.latencyMs.p99} ms, server CPU ${fixed.serverCpuPercent}%, other processes ${fixed.machineCpu.otherProcessesPercent}%`
		);
		await sleep(500);
		const perQuery: Record<string, { matches: number; latencyMs: ReturnType<typeof summarize> }> = {};
		for (const q of SEARCH_QUERIES) {
			const samples: number[] = [];
			const path = `/api/v1/candidates?q=${encodeURIComponent(q)}`;
			for (let i = 0; i < 20; i++) {
				const t = performance.now();
				await get(web.port, path, token);
				samples.push(performance.now() - t);
			}
			perQuery[q] = { matches: totals[q], latencyMs: summarize(samples) };
		}
		log(
			`${mode}: alone, p50 per query ${Object.entries(perQuery)
				.map(([q, v]) => `${q}=${v.latencyMs.p50}`)
				.join(' ')}`
		);
		return {
			seed: stack.seed && { ...stack.seed, requirementIds: undefined },
			warmup: { latencyMs: warmup.latencyMs, ok: warmup.ok },
			fixedRate: fixed,
			perQuery,
			met: fixed.latencyMs.p95 < GOAL.p95Ms && fixed.latencyMs.p99 < GOAL.p99Ms && fixed.failed === 0,
			ratioP95ToGoal: round(fixed.latencyMs.p95 / GOAL.p95Ms, 3),
			ratioP99ToGoal: round(fixed.latencyMs.p99 / GOAL.p99Ms, 3)
		};
	} finally {
		await stack.stop();
	}
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
