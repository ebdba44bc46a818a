/**
 * The offline layer in real Chromium against the built app (issue 6, "Measure in bench/"):
 *
 *   npx tsx bench/offline.ts [--modes embedded,distributed] [--only replay,cold-start]
 *                            [--writes 1000] [--cached 5000] [--runs 5]
 *
 * replay     — 1,000 writes queued offline through the app's own API client (the very module
 *              instance the pages use: `api.post`/`api.patch` → outbox + record cache), a mix of
 *              candidate creates (40 %), updates of those candidates (30 %, made on the
 *              optimistic record, so on its temporary id) and notes on them (30 %); then the
 *              browser goes online and the app replays its outbox by itself. Measured in the
 *              page: from the `online` event to the status indicator showing 0 pending changes
 *              (goal < 15 s). The outbox sends up to 50 writes per request
 *              (`POST /api/v1/offline/replay`): each request's round trip and the cycle from
 *              one answer to the next (IndexedDB work included) come from Resource Timing in
 *              the page; each write's own time on the server (its sub-request, through the
 *              hooks and its endpoint) from the server's request log. Then the database is
 *              checked: every create, update and note there exactly once, with exactly one
 *              audit row each (zero lost, zero doubled).
 * cold-start — 5,000 candidates seeded in the database are cached by the app the way it does
 *              it: the app's API client pages through `GET /candidates` online and stores each
 *              answer and its records in Dexie. The browser is closed, the server stopped (so
 *              nothing can come from the network, whatever the emulation does) and a new
 *              browser on the same profile, offline, opens /candidates: times from the
 *              navigation start to the list in the page, to the app running (the status shows
 *              "offline"), and to the results of a search over the cached candidates (typed
 *              into the search box and submitted, as a user does) — "usable" (goal < 2 s).
 *              Repeated `--runs` times, each in a freshly launched browser.
 *              Footprint of the cache: `navigator.storage.estimate()` (IndexedDB part) and the
 *              on-disk size of the profile's IndexedDB folder, before and after filling it.
 *
 * The app is found in the page by importing its built client chunk (the one that holds the API
 * client) by URL: a module already loaded by the page, so `import()` returns the same instance,
 * with the page's signed-in user, outbox and record cache.
 */
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openDatabase, type DatabaseHandle } from '../src/lib/server/db/client';
import { startSeededStack, type CandidateMode, type SeededStack } from './lib/candidate-stack';
import { assertBuilt, BUILD_DIR, cpuWindow, prioritized } from './lib/proc';
import { log, machineInfo, numberArg, writeResult } from './lib/results';
import { round, summarize } from './lib/stats';

const WRITES = numberArg('writes', 1000);
const CACHED = numberArg('cached', 5000);
const RUNS = numberArg('runs', 5);
const REPLAY_GOAL_MS = 15_000;
const COLD_GOAL_MS = 2_000;
/** A first name of the seed (bench/lib/candidate-seed.ts): a search with a few hundred matches. */
const QUERY = 'maria';
const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = [
	'--no-sandbox',
	'--disable-gpu',
	'--disable-quic',
	'--no-first-run',
	'--disable-background-networking',
	'--disable-component-update',
	'--disable-sync'
];
const arg = (name: string, fallback: string) => {
	const i = process.argv.indexOf(`--${name}`);
	return (i > 0 ? process.argv[i + 1] : fallback).split(',');
};
const MODES = arg('modes', 'embedded') as CandidateMode[];
const ONLY = arg('only', 'replay,cold-start');

/** Module URLs of the built client chunks that hold the API client. */
function clientChunkUrls(): string[] {
	const root = path.join(BUILD_DIR, 'client');
	const urls: string[] = [];
	const walk = (dir: string) => {
		for (const name of readdirSync(dir)) {
			const file = path.join(dir, name);
			if (statSync(file).isDirectory()) walk(file);
			else if (name.endsWith('.js') && readFileSync(file, 'utf8').includes('The server cannot be reached'))
				urls.push('/' + path.relative(root, file).split(path.sep).join('/'));
		}
	};
	walk(path.join(root, '_app', 'immutable'));
	return urls;
}

async function launch(profile: string): Promise<BrowserContext> {
	return chromium.launchPersistentContext(profile, {
		executablePath: CHROMIUM_PATH,
		headless: true,
		args: CHROMIUM_ARGS,
		viewport: { width: 1440, height: 900 }
	});
}

/** Signs the browser in (the session cookie, kept on disk like the real one) and opens /candidates controlled by the service worker. */
async function openOnline(context: BrowserContext, stack: SeededStack, base: string): Promise<Page> {
	await context.addCookies([
		{
			name: 'hh_session',
			value: stack.admin.token,
			url: base,
			expires: Math.floor(Date.now() / 1000) + 86_400
		}
	]);
	const page = context.pages()[0] ?? (await context.newPage());
	await page.goto(`${base}/candidates`);
	await page.waitForFunction(() => navigator.serviceWorker.controller !== null, undefined, { timeout: 60_000 });
	// Again, now through the worker, so that the page and its data are kept for offline use.
	await page.goto(`${base}/candidates`);
	await page.locator('[data-testid="candidate-row"]').first().waitFor({ timeout: 60_000 });
	return page;
}

/** Puts the app's own API client instance on `globalThis.__benchApi`. */
async function attachApi(page: Page): Promise<string> {
	const urls = clientChunkUrls();
	return page.evaluate(async (urls) => {
		const found: Array<{ url: string; name: string; value: unknown }> = [];
		for (const url of urls) {
			const mod = (await import(url)) as Record<string, unknown>;
			for (const [name, value] of Object.entries(mod)) {
				const methods = value as Record<string, unknown> | null;
				if (
					methods &&
					typeof methods === 'object' &&
					['get', 'post', 'patch', 'put', 'delete'].every((m) => typeof methods[m] === 'function')
				)
					found.push({ url, name, value });
			}
		}
		if (found.length !== 1) throw new Error(`expected one API client in ${urls.join(', ')}, found ${found.length}`);
		(globalThis as { __benchApi?: unknown }).__benchApi = found[0].value;
		return `${found[0].url} (export ${found[0].name})`;
	}, urls);
}

/** Rows, entries and conflicts of a Dexie database of the page, read with plain IndexedDB. */
async function countStore(page: Page, database: string, store: string): Promise<number> {
	return page.evaluate(
		([database, store]) =>
			new Promise<number>((resolve, reject) => {
				const open = indexedDB.open(database);
				open.onerror = () => reject(new Error(String(open.error)));
				open.onsuccess = () => {
					const db = open.result;
					if (!db.objectStoreNames.contains(store)) {
						db.close();
						return resolve(0);
					}
					const request = db.transaction(store).objectStore(store).count();
					request.onsuccess = () => {
						db.close();
						resolve(request.result);
					};
					request.onerror = () => reject(new Error(String(request.error)));
				};
			}),
		[database, store] as const
	);
}

/** In the page before going online: notes the \`online\` event and the moment the status shows 0 pending. */
const REPLAY_PROBE = `(() => {
	performance.clearResourceTimings();
	performance.setResourceTimingBufferSize(100000);
	const state = { onlineAt: null, emptyAt: null };
	window.__replay = state;
	addEventListener('online', () => (state.onlineAt = performance.now()), { once: true });
	const tick = () => {
		const el = document.querySelector('[data-testid="connection-status"]');
		if (state.onlineAt !== null && el && el.getAttribute('data-pending') === '0') {
			state.emptyAt = performance.now();
			return;
		}
		setTimeout(tick, 10);
	};
	tick();
})()`;

type Op = { kind: 'create' | 'update' | 'note'; i: number };

/** 40 % creates, 30 % updates and 30 % notes, interleaved: each update and note follows its create by a few writes. */
function writePlan(total: number): Op[] {
	const creates = Math.round(total * 0.4);
	const updates = Math.round(total * 0.3);
	const notes = total - creates - updates;
	const ops: Op[] = [];
	for (let i = 0; ops.length < total; i++) {
		if (i < creates) ops.push({ kind: 'create', i });
		if (i >= 1 && i - 1 < notes) ops.push({ kind: 'note', i: i - 1 });
		if (i >= 3 && i - 3 < updates) ops.push({ kind: 'update', i: i - 3 });
	}
	return ops.slice(0, total);
}

async function withDatabase<T>(stack: SeededStack, use: (handle: DatabaseHandle) => Promise<T>): Promise<T> {
	if (stack.mode === 'embedded') await stack.web.stop();
	const handle = await openDatabase(
		stack.databaseUrl ? { url: stack.databaseUrl, poolSize: 1 } : { pgliteDir: path.join(stack.dataDir, 'pg') }
	);
	try {
		return await use(handle);
	} finally {
		await handle.close();
	}
}

async function measureReplay(mode: CandidateMode) {
	log(`replay ${mode}: starting`);
	const stack = await startSeededStack(mode, {
		name: `offline-replay-${mode}`,
		seed: { candidates: 200, requirements: 2, applications: 0, bigBoard: 0 }
	});
	const base = stack.apiUrl;
	const profile = mkdtempSync(path.join(tmpdir(), 'hh-bench-chromium-'));
	const context = await launch(profile);
	const problems: string[] = [];
	context.on('page', (p) => p.on('pageerror', (e) => problems.push(e.message)));
	try {
		const page = await openOnline(context, stack, base);
		page.on('pageerror', (e) => problems.push(e.message));
		log(`replay ${mode}: API client ${await attachApi(page)}`);
		const run = `r${Date.now().toString(36)}`;
		const plan = writePlan(WRITES);

		await context.setOffline(true);
		await page.locator('[data-testid="connection-status"][data-state="offline"]').first().waitFor({ timeout: 30_000 });
		log(`replay ${mode}: offline; queueing ${plan.length} writes through the app's API client`);
		const queued = await page.evaluate(
			async ({ plan, run }) => {
				type Api = {
					post(path: string, body: unknown): Promise<Record<string, unknown>>;
					patch(path: string, body: unknown): Promise<Record<string, unknown>>;
				};
				const api = (globalThis as unknown as { __benchApi: Api }).__benchApi;
				const created: Array<Record<string, unknown>> = [];
				const enqueueMs: number[] = [];
				const started = performance.now();
				for (const op of plan) {
					const t = performance.now();
					if (op.kind === 'create') {
						created[op.i] = await api.post('/candidates', {
							name: `Offline Bench ${run} ${op.i}`,
							emails: [`offline-${run}-${op.i}@bench.example`],
							current_title: 'Engineer',
							current_company: 'Night Train Ltd',
							tags: ['offline-bench']
						});
					} else if (op.kind === 'update') {
						const c = created[op.i];
						await api.patch(`/candidates/${String(c.id)}`, {
							current_title: `Updated ${run} ${op.i}`,
							version: c.version
						});
					} else {
						await api.post(`/candidates/${String(created[op.i].id)}/notes`, { body: `Note ${run} ${op.i}` });
					}
					enqueueMs.push(performance.now() - t);
				}
				return {
					totalMs: performance.now() - started,
					enqueueMs,
					temporary: created.filter((c) => String(c.id).startsWith('tmp-')).length
				};
			},
			{ plan, run }
		);
		const status = page.locator('[data-testid="connection-status"]').first();
		const outboxDb = `hh-outbox:${stack.admin.id}`;
		const pendingBefore = await countStore(page, outboxDb, 'entries');
		if (pendingBefore !== plan.length)
			throw new Error(`${pendingBefore} entries in the outbox, expected ${plan.length}`);
		await page.waitForFunction(
			(n) => document.querySelector(`[data-testid="connection-status"][data-pending="${n}"]`),
			plan.length,
			{
				timeout: 60_000,
				polling: 100
			}
		);
		log(
			`replay ${mode}: ${plan.length} writes queued in ${round(queued.totalMs / 1000, 1)} s (${queued.temporary} temporary ids); going online`
		);

		await page.evaluate(REPLAY_PROBE);
		const cpuDuring = cpuWindow(() => stack.pids());
		const replay = await prioritized(stack.pids(), async () => {
			await context.setOffline(false);
			await page.waitForFunction(
				() => (globalThis as unknown as { __replay: { emptyAt: number | null } }).__replay.emptyAt !== null,
				undefined,
				{ timeout: 300_000, polling: 200 }
			);
			return page.evaluate(() => {
				const state = (globalThis as unknown as { __replay: { onlineAt: number; emptyAt: number } }).__replay;
				const writes = (performance.getEntriesByType('resource') as PerformanceResourceTiming[])
					.filter(
						(e) =>
							e.initiatorType === 'fetch' &&
							/\/api\/v1\/(offline\/replay|candidates(\/[^/?]+(\/notes)?)?)$/.test(new URL(e.name).pathname) &&
							e.startTime >= state.onlineAt
					)
					.map((e) => ({
						start: e.startTime,
						end: e.responseEnd,
						batch: new URL(e.name).pathname.endsWith('/offline/replay')
					}))
					.sort((a, b) => a.end - b.end);
				return { ...state, writes };
			});
		});
		const machineCpu = cpuDuring();
		const totalMs = replay.emptyAt - replay.onlineAt;
		// The browser's requests: batches (up to 50 writes each) and single writes.
		const roundTrips = replay.writes.map((w) => w.end - w.start);
		const cycles = replay.writes.map((w, i) => w.end - (i === 0 ? replay.onlineAt : replay.writes[i - 1].end));
		// Per write, on the server: each write's own request (in a batch too) as the server logs it.
		const serverWrites = serverWriteTimes(stack.web.logFile);
		const left = await countStore(page, outboxDb, 'entries');
		const conflicts = await countStore(page, outboxDb, 'conflicts');
		const conflictState = await status.getAttribute('data-conflicts');
		log(
			`replay ${mode}: outbox empty ${round(totalMs / 1000, 2)} s after going online (${round((plan.length / totalMs) * 1000, 0)} writes/s); ${replay.writes.length} requests; ${left} left, ${conflicts} conflicts`
		);

		// Zero lost, zero doubled: in the database.
		const counts = { create: 0, update: 0, note: 0 };
		for (const op of plan) counts[op.kind]++;
		const like = `Offline Bench ${run} %`;
		const db = await withDatabase(stack, async (handle) => {
			const one = async (query: string) => Number(Object.values((await handle.rows(query))[0] ?? {})[0] ?? 0);
			const ours = `select id::text from candidates where name like '${like}'`;
			return {
				candidates: await one(`select count(*) from candidates where name like '${like}'`),
				distinctNames: await one(`select count(distinct name) from candidates where name like '${like}'`),
				updated: await one(
					`select count(*) from candidates where name like '${like}' and current_title like 'Updated ${run} %'`
				),
				notes: await one(`select count(*) from candidate_notes where candidate_id::text in (${ours})`),
				distinctNotes: await one(
					`select count(distinct body) from candidate_notes where candidate_id::text in (${ours})`
				),
				auditCreated: await one(
					`select count(*) from audit_log where action = 'candidate.created' and entity_id in (${ours})`
				),
				auditUpdated: await one(
					`select count(*) from audit_log where action = 'candidate.updated' and entity_id in (${ours})`
				),
				auditNotes: await one(
					`select count(*) from audit_log where action = 'candidate.note_added' and entity_id in (${ours})`
				),
				idempotencyKeys: await one(`select count(*) from idempotency_keys`)
			};
		});
		const exact =
			db.candidates === counts.create &&
			db.distinctNames === counts.create &&
			db.updated === counts.update &&
			db.notes === counts.note &&
			db.distinctNotes === counts.note &&
			db.auditCreated === counts.create &&
			db.auditUpdated === counts.update &&
			db.auditNotes === counts.note;
		log(`replay ${mode}: database ${JSON.stringify(db)} — ${exact ? 'every write exactly once' : 'MISMATCH'}`);
		return {
			writes: counts,
			enqueue: { totalMs: round(queued.totalMs, 0), perWrite: summarize(queued.enqueueMs) },
			totalMs: round(totalMs, 1),
			writesPerSecond: round((plan.length / totalMs) * 1000, 1),
			requests: { total: replay.writes.length, batches: replay.writes.filter((w) => w.batch).length },
			/** Round trip of each request the browser sent (a batch or a single write). */
			roundTrip: summarize(roundTrips),
			/** One answer to the next, IndexedDB work included. */
			cycle: summarize(cycles),
			/** Each write's request on the server (from its log), by route. */
			serverPerWrite: Object.fromEntries(Object.entries(serverWrites).map(([k, v]) => [k, summarize(v)])),
			serverPerWriteAll: summarize(Object.values(serverWrites).flat()),
			serverTotalMs: round(
				Object.values(serverWrites)
					.flat()
					.reduce((a, b) => a + b, 0),
				0
			),
			outboxLeft: left,
			conflicts,
			conflictIndicator: conflictState,
			database: db,
			lost:
				Math.max(0, counts.create - db.candidates) +
				Math.max(0, counts.update - db.updated) +
				Math.max(0, counts.note - db.notes),
			doubled:
				Math.max(0, db.candidates - counts.create) +
				Math.max(0, db.auditUpdated - counts.update) +
				Math.max(0, db.notes - counts.note),
			exactlyOnce: exact,
			problems,
			machineCpu,
			met: totalMs < REPLAY_GOAL_MS && exact && left === 0 && conflicts === 0
		};
	} finally {
		await context.close().catch(() => {});
		rmSync(profile, { recursive: true, force: true });
		await stack.stop();
	}
}

/** Server-side duration of each candidate write, by method and route, from the server's JSON log. */
function serverWriteTimes(logFile: string): Record<string, number[]> {
	const out: Record<string, number[]> = {};
	for (const line of readFileSync(logFile, 'utf8').split('\n')) {
		if (!line.includes('"msg":"request"')) continue;
		let entry: { method?: string; route?: string; ms?: number };
		try {
			entry = JSON.parse(line) as typeof entry;
		} catch {
			continue;
		}
		if (!entry.route?.startsWith('/api/v1/candidates') || typeof entry.ms !== 'number') continue;
		if (entry.method !== 'POST' && entry.method !== 'PATCH') continue;
		(out[`${entry.method} ${entry.route}`] ??= []).push(entry.ms);
	}
	return out;
}

/** Bytes under a folder (0 if missing). */
function folderBytes(dir: string): number {
	try {
		return Number(execFileSync('du', ['-sb', dir], { encoding: 'utf8' }).split('\t')[0]);
	} catch {
		return 0;
	}
}

async function storageEstimate(page: Page) {
	return page.evaluate(async () => {
		const estimate = (await navigator.storage.estimate()) as StorageEstimate & {
			usageDetails?: Record<string, number>;
		};
		return { usage: estimate.usage ?? 0, indexedDB: estimate.usageDetails?.indexedDB ?? null };
	});
}

/** Installed before the page's scripts: the list, the app running offline, then a search and its results. */
const COLD_PROBE = `(() => {
	const query = ${JSON.stringify(QUERY)};
	const times = {};
	window.__coldTimes = times;
	let submitted = false;
	const tick = () => {
		const rows = document.querySelectorAll('[data-testid="candidate-row"]');
		if (rows.length > 0 && times.list === undefined) times.list = performance.now();
		const running = document.querySelector('[data-testid="connection-status"][data-state="offline"]');
		if (running && times.running === undefined) times.running = performance.now();
		if (!submitted && times.list !== undefined && running) {
			const input = document.getElementById('candidate-search');
			if (input && input.form) {
				input.value = query;
				input.form.requestSubmit();
				submitted = true;
				times.submitted = performance.now();
			}
		}
		if (submitted && new URLSearchParams(location.search).get('q') === query && rows.length > 0 &&
			rows[0].textContent.toLowerCase().includes(query)) {
			times.results = performance.now();
			times.resultRows = rows.length;
			return;
		}
		requestAnimationFrame(tick);
	};
	requestAnimationFrame(tick);
})();`;

interface ColdTimes {
	/** First candidate row in the page (the cached server-rendered page). */
	list: number;
	/** The app runs: the status indicator says offline. */
	running: number;
	/** The search was submitted (right after both of the above). */
	submitted: number;
	/** Its results are in the page. */
	results: number;
	resultRows: number;
	responseEnd: number;
	domContentLoaded: number;
}

async function measureColdStart(mode: CandidateMode) {
	log(`cold-start ${mode}: starting and seeding ${CACHED} candidates`);
	const stack = await startSeededStack(mode, {
		name: `offline-cold-${mode}`,
		seed: { candidates: CACHED, requirements: 2, applications: 0, bigBoard: 0 }
	});
	const base = stack.apiUrl;
	const profile = mkdtempSync(path.join(tmpdir(), 'hh-bench-chromium-'));
	const idbDir = path.join(profile, 'Default', 'IndexedDB');
	const problems: string[] = [];
	let context: BrowserContext | null = await launch(profile);
	try {
		const page = await openOnline(context, stack, base);
		log(`cold-start ${mode}: API client ${await attachApi(page)}`);
		const recordsDb = `hh-records:${stack.admin.id}`;
		const before = await storageEstimate(page);
		const diskBefore = folderBytes(idbDir);
		const pageSize = 100;
		const fill = await page.evaluate(
			async ({ pages, pageSize }) => {
				type Api = { get(path: string): Promise<{ items: unknown[] }> };
				const api = (globalThis as unknown as { __benchApi: Api }).__benchApi;
				const started = performance.now();
				let items = 0;
				for (let p = 1; p <= pages; p++)
					items += (await api.get(`/candidates?page=${p}&page_size=${pageSize}`)).items.length;
				return { items, ms: performance.now() - started };
			},
			{ pages: Math.ceil(CACHED / pageSize), pageSize }
		);
		// The client stores each answer after returning it: wait until every record is in.
		const deadline = Date.now() + 120_000;
		let cached = 0;
		while ((cached = await countStore(page, recordsDb, 'records')) < CACHED && Date.now() < deadline)
			await new Promise((r) => setTimeout(r, 250));
		if (cached < CACHED) throw new Error(`only ${cached} records cached`);
		const after = await storageEstimate(page);
		await context.close();
		context = null;
		const diskAfter = folderBytes(idbDir);
		const footprint = {
			records: cached,
			listAnswers: Math.ceil(CACHED / pageSize),
			estimate: {
				before,
				after,
				indexedDBBytes:
					after.indexedDB !== null && before.indexedDB !== null ? after.indexedDB - before.indexedDB : null,
				usageBytes: after.usage - before.usage
			},
			disk: { before: diskBefore, after: diskAfter, bytes: diskAfter - diskBefore },
			perCandidate: {
				estimateBytes:
					after.indexedDB !== null && before.indexedDB !== null
						? round((after.indexedDB - before.indexedDB) / CACHED, 0)
						: null,
				diskBytes: round((diskAfter - diskBefore) / CACHED, 0)
			}
		};
		log(
			`cold-start ${mode}: ${fill.items} candidates listed in ${round(fill.ms / 1000, 1)} s; ${cached} records cached; IndexedDB +${footprint.estimate.indexedDBBytes} B (estimate), +${footprint.disk.bytes} B on disk`
		);

		// No network from here on: the server is gone and the browser is offline.
		await stack.web.stop();
		await stack.sync.stop();
		const runs: Array<Record<string, number>> = [];
		const cpuDuring = cpuWindow(() => []);
		for (let r = 0; r < RUNS; r++) {
			const launchedAt = Date.now();
			const ctx = await launch(profile);
			const launchMs = Date.now() - launchedAt;
			try {
				await ctx.setOffline(true);
				await ctx.addInitScript(COLD_PROBE);
				const p = ctx.pages()[0] ?? (await ctx.newPage());
				p.on('pageerror', (e) => problems.push(e.message));
				if (process.env.BENCH_DEBUG) {
					p.on('framenavigated', (f) => f === p.mainFrame() && log(`navigated ${f.url()}`));
					p.on('console', (m) => log(`console ${m.type()}: ${m.text()}`));
				}
				await p.goto(`${base}/candidates`, { waitUntil: 'commit' });
				await p
					.waitForFunction(() => (globalThis as { __coldTimes?: { results?: number } }).__coldTimes?.results, null, {
						timeout: 60_000,
						polling: 50
					})
					.catch(async (err: unknown) => {
						const shot = path.join(tmpdir(), `hh-bench-offline-cold-${r}.png`);
						await p.screenshot({ path: shot }).catch(() => {});
						const seen = await p.evaluate(() => ({
							url: location.href,
							times: (globalThis as { __coldTimes?: unknown }).__coldTimes ?? null
						}));
						throw new Error(`no search results: ${JSON.stringify(seen)}; screenshot ${shot}; ${problems.join(' | ')}`, {
							cause: err
						});
					});
				const times = await p.evaluate(() => {
					const t = (globalThis as unknown as { __coldTimes: Record<string, number> }).__coldTimes;
					const nav = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming;
					return { ...t, responseEnd: nav.responseEnd, domContentLoaded: nav.domContentLoadedEventEnd } as ColdTimes;
				});
				const total = await p.locator('[data-testid="candidate-row"]').count();
				runs.push({ launchMs, ...times, rowsShown: total });
				log(
					`cold-start ${mode}: run ${r + 1}: usable (search results) ${round(times.results, 0)} ms — list ${round(times.list, 0)}, app running ${round(times.running, 0)}, search ${round(times.results - times.submitted, 0)} ms (${total} rows); browser launch ${launchMs} ms`
				);
			} finally {
				await ctx.close().catch(() => {});
			}
		}
		const machineCpu = cpuDuring();
		const pick = (key: string) => summarize(runs.map((r) => r[key]));
		const search = summarize(runs.map((r) => r.results - r.submitted));
		return {
			cachedCandidates: CACHED,
			query: QUERY,
			fill: { ms: round(fill.ms, 0), items: fill.items, pageSize },
			footprint,
			runs,
			summary: {
				responseEnd: pick('responseEnd'),
				list: pick('list'),
				running: pick('running'),
				search,
				usable: pick('results'),
				launch: pick('launchMs')
			},
			problems,
			machineCpu,
			met: pick('results').max < COLD_GOAL_MS
		};
	} finally {
		await context?.close().catch(() => {});
		rmSync(profile, { recursive: true, force: true });
		await stack.stop();
	}
}

async function main() {
	const machine = machineInfo();
	assertBuilt();
	log(`load average ${machine.loadavg.join(' / ')}`);
	const results: Record<string, Record<string, unknown>> = {};
	for (const mode of MODES) {
		results[mode] = {};
		if (ONLY.includes('replay')) results[mode].replay = await measureReplay(mode);
		if (ONLY.includes('cold-start')) results[mode].coldStart = await measureColdStart(mode);
	}
	const file = writeResult('offline', {
		machine,
		loadAfter: machineInfo().loadavg,
		goal: { replayMs: REPLAY_GOAL_MS, writes: WRITES, coldStartMs: COLD_GOAL_MS, cachedCandidates: CACHED },
		method: `Chromium (headless, ${CHROMIUM_PATH}), 1440×900, against the built app (${BUILD_DIR}); writes queued offline through the app's own API client module in the page; replay timed in the page from the online event to 0 pending in the status indicator; cold start in a new browser on the same profile with the server stopped and the browser offline, times from the navigation start`,
		...results
	});
	log(`written ${file}`);
}

await main();
