/**
 * The issue 4 seed on its own: how long 10,000 candidates with CV text, 500 requirements and
 * 30,000 applications take to write, on PGlite and on Postgres (written to
 * bench/results/seed-candidates.json).
 *
 *   npx tsx bench/seed-candidates.ts [--modes embedded,distributed] [--candidates 10000]
 *        [--requirements 500] [--applications 30000]
 */
import { assertBuilt } from './lib/proc';
import { log, machineInfo, numberArg, writeResult } from './lib/results';
import { startSeededStack, type CandidateMode } from './lib/candidate-stack';

const modesArg = process.argv.indexOf('--modes');
const MODES = (modesArg > 0 ? process.argv[modesArg + 1] : 'embedded,distributed').split(',') as CandidateMode[];

async function main() {
	const machine = machineInfo();
	assertBuilt();
	const results: Record<string, unknown> = {};
	for (const mode of MODES) {
		log(`${mode}: seeding`);
		const stack = await startSeededStack(mode, {
			name: `seed-${mode}`,
			seed: {
				candidates: numberArg('candidates', 10_000),
				requirements: numberArg('requirements', 500),
				applications: numberArg('applications', 30_000)
			}
		});
		try {
			const { requirementIds: _ids, ...seed } = stack.seed ?? { requirementIds: [] };
			log(`${mode}: ${JSON.stringify(seed)}`);
			results[mode] = seed;
		} finally {
			await stack.stop();
		}
	}
	log(`written ${writeResult('seed-candidates', { machine, ...results })}`);
}

await main();
