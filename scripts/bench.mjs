// `npm run bench [-- --only startup,auth-me,propagation,idle-connections,open-document,offline] [--quick] [--no-build]`
//
// Builds the app into HH_BUILD_DIR (default build-bench/, beside other builds), runs each
// benchmark in bench/ as its own process (`npx tsx bench/<name>.ts`), each writing
// bench/results/<name>.json, then renders those results into BENCHMARKS.md between the
// `<!-- bench:results -->` markers (the analysis around them is written by hand).
// Benchmarks are not tests: nothing here runs under `npm test`.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const args = process.argv.slice(2);
const flag = (name) => args.includes(`--${name}`);
const option = (name) => {
	const i = args.indexOf(`--${name}`);
	return i >= 0 ? args[i + 1] : undefined;
};

const BENCHMARKS = {
	startup: { full: ['--runs', '5'], quick: ['--runs', '2'] },
	'auth-me': { full: ['--seconds', '30'], quick: ['--seconds', '10', '--no-profile'] },
	propagation: { full: ['--seconds', '60'], quick: ['--seconds', '15'] },
	'idle-connections': {
		full: ['--connections', '10000', '--hold', '30'],
		quick: ['--connections', '2000', '--hold', '5']
	},
	'open-document': { full: ['--opens', '20'], quick: ['--opens', '5'] },
	// Issue 6; its section of BENCHMARKS.md is written by hand (not rendered below).
	offline: { full: ['--runs', '5'], quick: ['--runs', '2', '--writes', '300', '--cached', '1000'] }
};

const buildDir = process.env.HH_BUILD_DIR || 'build-bench';
const env = { ...process.env, HH_BUILD_DIR: buildDir };
const only = option('only')?.split(',') ?? Object.keys(BENCHMARKS);
const unknown = only.filter((name) => !(name in BENCHMARKS));
if (unknown.length) {
	console.error(`Unknown benchmark(s): ${unknown.join(', ')}; known: ${Object.keys(BENCHMARKS).join(', ')}`);
	process.exit(2);
}

if (!flag('no-build') && !flag('render-only')) {
	console.log(`== building into ${buildDir}/`);
	const build = spawnSync('npm', ['run', 'build'], { stdio: 'inherit', env });
	if (build.status !== 0) process.exit(build.status ?? 1);
}

const failures = [];
if (!flag('render-only')) {
	for (const name of only) {
		const extra = flag('quick') ? BENCHMARKS[name].quick : BENCHMARKS[name].full;
		console.log(`\n== bench/${name}.ts ${extra.join(' ')}`);
		const started = Date.now();
		const run = spawnSync('npx', ['tsx', `bench/${name}.ts`, ...extra], { stdio: 'inherit', env });
		console.log(`== ${name}: exit ${run.status} after ${Math.round((Date.now() - started) / 1000)} s`);
		if (run.status !== 0) failures.push(name);
	}
}

// ---------------------------------------------------------------------------------------------
// Rendering bench/results/*.json into BENCHMARKS.md

const read = (name) => {
	const file = path.join('bench/results', `${name}.json`);
	return existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : null;
};
const ms = (v) =>
	v === undefined || v === null || Number.isNaN(v)
		? '–'
		: `${v < 10 ? v.toFixed(2) : v < 100 ? v.toFixed(1) : Math.round(v)} ms`;
const pct = (s) => `p50 ${ms(s.p50)} · p95 ${ms(s.p95)} · p99 ${ms(s.p99)} · max ${ms(s.max)}`;
const yes = (met) => (met ? '**met**' : '**missed**');
const ratio = (value, goal) => `${(value / goal).toFixed(2)}× goal`;
const machineLine = (m) =>
	m
		? `${m.date.slice(0, 16).replace('T', ' ')} UTC · ${m.nproc} × ${m.cpuModel} · ${m.ramGiB} GiB · Node ${m.node} · ${m.os} · commit ${m.commit} · load average at start ${m.loadavg.join(' / ')} · benchmark processes at nice ${m.nice ?? 0}`
		: '';

function render() {
	const rows = [];
	const details = [];
	const machines = [];

	const s = read('startup');
	if (s) {
		machines.push(`- startup: ${machineLine(s.machine)}`);
		rows.push(
			`| Start-up: \`npm start\` → 200 from \`/health/ready\`, existing data directory | < 5 s | p50 ${ms(s.npmStart.readyMs.p50)}, worst ${ms(s.npmStart.readyMs.max)} of ${s.runs} | ${ratio(s.npmStart.readyMs.max, 5000)} (worst) | ${yes(s.met)} |`
		);
		details.push(
			`### Start-up\n\n| | p50 | worst | runs |\n|---|---|---|---|\n` +
				`| \`npm start\` (HH_SKIP_BUILD=1) → ready | ${ms(s.npmStart.readyMs.p50)} | ${ms(s.npmStart.readyMs.max)} | ${s.runs} |\n` +
				`| \`node ${'$HH_BUILD_DIR'}/main.js\` → ready | ${ms(s.nodeMain.readyMs.p50)} | ${ms(s.nodeMain.readyMs.max)} | ${s.runs} |\n` +
				`| first start on an empty folder (initdb + migrations), for comparison | ${ms(s.freshDataDirReadyMs)} | | 1 |\n\n` +
				`Phases replayed in a fresh process on the same data directory: ${Object.entries(s.phaseReplay)
					.map(([k, v]) => `${k} ${ms(v)}`)
					.join(
						' · '
					)}. Baselines: \`node -e 0\` ${ms(s.baselines.nodeEmptyMs)}, \`npm --version\` ${ms(s.baselines.npmVersionMs)}.`
		);
	}

	const a = read('auth-me');
	if (a) {
		machines.push(`- auth-me: ${machineLine(a.machine)}`);
		const lines = [];
		for (const [mode, label] of [
			['embedded', 'embedded (`npm start`, PGlite)'],
			['web', 'distributed web process (Postgres)']
		]) {
			const r = a[mode];
			if (!r) continue;
			const f = r.fixedRate;
			rows.push(
				`| \`GET /api/v1/auth/me\` at a fixed ${f.rate} req/s — ${label} | p95 < 10 ms | ${pct(f.latencyMs)}; ${f.ok}/${f.sent} ok; capacity ${r.capacity.rps} req/s | ${ratio(f.latencyMs.p95, 10)} | ${yes(r.met)} |`
			);
			lines.push(
				`| ${label} | ${f.achievedRps} | ${f.latencyMs.p50} | ${f.latencyMs.p95} | ${f.latencyMs.p99} | ${f.latencyMs.max} | ${f.failed} | ${f.serverCpuPercent} % | ${f.machineCpu?.otherProcessesPercent ?? '–'} % | ${r.capacity.rps} req/s (p50 ${r.capacity.latencyMs.p50} ms) |`
			);
		}
		let profile = '';
		if (a.profile) {
			profile =
				`\n\nCPU profile of the embedded server at ${a.goal.rate} req/s (${a.profile.requests} requests, ${a.profile.cpuMsPerRequest} ms of CPU per request under the profiler). ` +
				`Self time by module: ${a.profile.byModule
					.slice(0, 8)
					.map(([k, v]) => `${k} ${v} ms`)
					.join(' · ')}.`;
		}
		details.push(
			`### \`GET /api/v1/auth/me\`\n\n| server | achieved req/s | p50 ms | p95 ms | p99 ms | max ms | failed | server CPU | other processes' CPU | closed-loop capacity (8 connections) |\n|---|---|---|---|---|---|---|---|---|---|\n${lines.join('\n')}${profile}`
		);
	}

	for (const name of ['propagation']) {
		const p = read(name);
		if (!p) continue;
		machines.push(`- propagation: ${machineLine(p.machine)}`);
		const lines = [];
		for (const mode of ['embedded', 'distributed']) {
			for (const scenario of ['small', 'large']) {
				const r = p[mode]?.[scenario];
				if (!r) continue;
				const label = `${r.editors} editors on ${r.documents} document${r.documents > 1 ? 's' : ''} — ${mode}`;
				rows.push(
					`| Update propagation, ${label} | p99 < 10 ms, 0 lost | ${pct(r.latencyMs)}; lost ${r.lostDeliveries} of ${r.expectedDeliveries}; ${r.missingAfterRestart} missing after restart | ${ratio(r.latencyMs.p99, 10)} | ${yes(r.met)} |`
				);
				lines.push(
					`| ${label} | ${r.latencyMs.count} | ${r.latencyMs.p50} | ${r.latencyMs.p95} | ${r.latencyMs.p99} | ${r.latencyMs.max} | ${r.lostDeliveries} | ${r.divergentDocuments} | ${r.missingAfterRestart} | ${r.server.cpuPercent} % | ${r.clients.map((c) => `${c.cpuPercent} %`).join(' + ')} | ${r.machineCpu?.otherProcessesPercent ?? '–'} % |`
				);
			}
		}
		details.push(
			`### Update propagation\n\n| scenario | deliveries measured | p50 ms | p95 ms | p99 ms | max ms | lost | divergent docs | chars missing after restart | sync process CPU | editor processes' CPU | other processes' CPU |\n|---|---|---|---|---|---|---|---|---|---|---|---|\n${lines.join('\n')}`
		);
	}

	const i = read('idle-connections');
	if (i) {
		machines.push(`- idle-connections: ${machineLine(i.machine)}`);
		const lines = [];
		for (const layout of ['per-user', 'shared']) {
			const r = i.distributed?.[layout];
			if (!r) continue;
			const label =
				layout === 'per-user'
					? `${r.synced.toLocaleString('en')} connections, one document each`
					: `${r.synced.toLocaleString('en')} connections on 100 documents`;
			rows.push(
				`| RSS of the sync process, ${label} | < 400 MB | ${r.held.rssMiB} MiB (peak ${r.peakRssMiB}); ${r.perConnectionKiB} KiB per connection | ${ratio(Math.max(r.held.rssMiB, r.peakRssMiB), 400)} | ${yes(r.met)} |`
			);
			lines.push(
				`| ${label} | ${r.synced}/${r.connectionsRequested} | ${r.before.rssMiB} | ${r.held.rssMiB} | ${r.peakRssMiB} | ${r.held.heapUsedMiB} | ${r.perConnectionKiB} | ${r.closedWhileHeld} | ${r.afterLeave.documents} docs; RSS peak ${r.teardownPeakRssMiB ?? '–'} MiB, ${r.settled15sAfterLeave?.rssMiB ?? '–'} MiB (heap ${r.settled15sAfterLeave?.heapUsedMiB ?? '–'}) 15 s later | ${r.connectSeconds} s |`
			);
		}
		details.push(
			`### Idle connections (distributed sync-server process)\n\n| layout | synced | RSS before MiB | RSS held MiB | peak MiB | JS heap used MiB | KiB per connection | dropped while held | after everyone left | time to connect all |\n|---|---|---|---|---|---|---|---|---|---|\n${lines.join('\n')}`
		);
	}

	const o = read('open-document');
	if (o) {
		machines.push(`- open-document: ${machineLine(o.machine)}`);
		const lines = [];
		for (const mode of ['embedded', 'distributed']) {
			const r = o[mode];
			if (!r) continue;
			rows.push(
				`| Open a document with ${r.edits.toLocaleString('en')} edits, server side with database — ${mode} | < 50 ms | load ${pct(r.server.openDirectConnectionMs)}; first client open after restart ${ms(r.client.firstAfterRestart.syncMs)} | ${ratio(r.server.openDirectConnectionMs.p95, 50)} (p95) | ${yes(r.met)} |`
			);
			lines.push(
				`| ${mode} | ${r.server.stateBytes.toLocaleString('en')} B, ${r.server.structs} structs | ${r.server.openDirectConnectionMs.p50} / ${r.server.openDirectConnectionMs.p95} | ${r.server.selectRowMs.p50} / ${r.server.selectRowMs.p95} | ${r.server.applyUpdateMs.p50} / ${r.server.applyUpdateMs.p95} | ${Math.round(r.client.firstAfterRestart.syncMs)} | ${r.client.coldRawSyncMs.p50} / ${r.client.coldRawSyncMs.p95} | ${r.client.coldProviderSyncedMs.p50} | ${r.client.warmRawSyncMs.p50} |`
			);
		}
		details.push(
			`### Opening a document with 10,000 edits\n\n| mode | stored state | server load (openDirectConnection) p50 / p95 ms | SELECT p50 / p95 ms | Y.applyUpdate p50 / p95 ms | client: first open after restart ms | client: cold open p50 / p95 ms | provider connect → synced p50 ms | already loaded p50 ms |\n|---|---|---|---|---|---|---|---|---|\n${lines.join('\n')}`
		);
	}

	return [
		'| Measurement | Goal | Result | vs goal | |',
		'|---|---|---|---|---|',
		...rows,
		'',
		...details.map((d) => d + '\n'),
		'Machines and dates of these results:',
		'',
		...machines
	].join('\n');
}

const BEGIN = '<!-- bench:results:begin (generated by `npm run bench`; edit outside these markers) -->';
const END = '<!-- bench:results:end -->';
const file = 'BENCHMARKS.md';
const current = existsSync(file) ? readFileSync(file, 'utf8') : `# Benchmarks\n\n${BEGIN}\n${END}\n`;
const start = current.indexOf(BEGIN);
const end = current.indexOf(END);
const body = render();
const next =
	start >= 0 && end > start
		? current.slice(0, start + BEGIN.length) + '\n\n' + body + '\n\n' + current.slice(end)
		: current + `\n${BEGIN}\n\n${body}\n\n${END}\n`;
writeFileSync(file, next);
console.log(`\n== results written to ${file}${failures.length ? `; FAILED: ${failures.join(', ')}` : ''}`);
process.exit(failures.length ? 1 : 0);
