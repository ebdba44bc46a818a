/**
 * Live panel feedback (issue 5): 10 panelists type into one interview's shared notes.
 *
 *   npx tsx bench/panel-typing.ts [--modes embedded,distributed] [--panelists 10] [--seconds 60]
 *                                 [--warmup 5] [--opens 10] [--profile]
 *
 * One interview with a panel of `--panelists` interviewers (each their own account, made through
 * the API with a requirement taken through approval, a candidate and an application). Each
 * panelist is a stock @hocuspocus/provider with its own WebSocket and Y.Doc on
 * `interview:<id>:notes`, typing 5 keystrokes per second into the Tiptap fragment the way
 * y-prosemirror writes it (bench/lib/editors.ts, `writes: 'prosemirror'`: its own paragraph,
 * Enter every 20–60 characters, caret in awareness). All panelists live in ONE child process
 * (one monotonic clock for send and receive instants), the sync server in another. Latency is
 * measured for every (keystroke, each of the other panelists) pair typed after the warm-up:
 * from the sender's transaction to the receiver's Y.Doc update event.
 *
 * Then: the document's final size (Y.encodeStateAsUpdate as the clients hold it, and the stored
 * row), whether everyone converged and nothing was lost (and nothing after a restart of the sync
 * process), and its load time: a fresh provider while the panel is still connected (warm), cold
 * opens after the document was unloaded (`--opens`; the first right after a restart), and server
 * side in this process with the product's code on the same database — createCollabServer() and
 * openDirectConnection() (the onLoadDocument path: SELECT + Y.applyUpdate), as
 * bench/open-document.ts does.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { HocuspocusProvider, HocuspocusProviderWebsocket } from '@hocuspocus/provider';
import { eq } from 'drizzle-orm';
import WebSocket from 'ws';
import * as Y from 'yjs';
import { createCollabServer } from '$sync/server';
import { documentNames } from '$lib/collab/names';
import { loadConfig } from '$lib/server/config';
import { documents } from '$lib/server/db/schema';
import { createLogger } from '$lib/server/observability/logger';
import { createRuntime } from '$lib/server/runtime';
import type { EditorsConfig, EditorsResult } from './lib/editors';
import { createUsers, registerAdmin } from './lib/fixtures';
import { typedCharacters } from './lib/notes-count';
import { scheduleInterview } from './lib/hiring';
import {
	SECRET_KEY,
	assertBuilt,
	cpuMsOf,
	cpuWindow,
	leastDisturbed,
	prioritized,
	rssOf,
	sleep,
	tempDir,
	trackDetached
} from './lib/proc';
import { monotonicUs, newestProfile, summarizeCpuProfile } from './lib/profile';
import { flag, log, machineInfo, numberArg, writeResult } from './lib/results';
import { loadedDocuments, startStack, type Mode, type Stack } from './lib/stack';
import { round, summarize } from './lib/stats';

const PANELISTS = numberArg('panelists', 10);
const SECONDS = numberArg('seconds', 60);
const WARMUP = numberArg('warmup', 5);
const OPENS = numberArg('opens', 10);
const KEYSTROKES_PER_SECOND = 5;
const GOAL_P99_MS = 15;
const modesArg = process.argv.indexOf('--modes');
const MODES = (modesArg > 0 ? process.argv[modesArg + 1] : 'embedded,distributed').split(',') as Mode[];

function forkEditors(): ChildProcess {
	const child = fork(path.resolve('bench/lib/editors.ts'), [], {
		execArgv: ['--import', 'tsx'],
		stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
		detached: true
	});
	trackDetached(child);
	return child;
}

function request<T>(child: ChildProcess, message: unknown, expect: string): Promise<T> {
	return new Promise((resolve, reject) => {
		const onMessage = (m: { type: string; message?: string }) => {
			if (m.type === expect) {
				child.off('message', onMessage);
				resolve(m as T);
			} else if (m.type === 'error') {
				child.off('message', onMessage);
				reject(new Error(m.message));
			}
		};
		child.on('message', onMessage);
		child.send(message as object);
	});
}

/** A fresh provider: connect → `synced` in ms, and the notes' typed characters it received. */
async function openFresh(stack: Stack, name: string, token: string) {
	const started = performance.now();
	const doc = new Y.Doc();
	const socket = new HocuspocusProviderWebsocket({ url: stack.collabUrl, WebSocketPolyfill: WebSocket });
	const provider = new HocuspocusProvider({ websocketProvider: socket, name, token, document: doc });
	await new Promise<void>((resolve, reject) => {
		provider.on('synced', () => resolve());
		provider.on('authenticationFailed', ({ reason }: { reason: string }) => reject(new Error(reason)));
		provider.attach();
	});
	const syncedMs = performance.now() - started;
	const characters = typedCharacters(doc);
	provider.destroy();
	socket.destroy();
	doc.destroy();
	return { syncedMs, characters };
}

async function waitUnloaded(stack: Stack): Promise<number> {
	let loaded = -1;
	for (let i = 0; i < 300; i++) {
		loaded = await loadedDocuments(stack);
		if (loaded === 0) break;
		await sleep(50);
	}
	return loaded;
}

/** The product's own load path, in this process, on the same database (the server's row too). */
async function serverSideLoad(stack: Stack, name: string, expectedCharacters: number) {
	const env = {
		DATA_DIR: stack.dataDir,
		LOG_LEVEL: 'silent',
		SECRET_KEY,
		PORT: '0',
		...(stack.env.DATABASE_URL ? { DATABASE_URL: stack.env.DATABASE_URL } : {})
	};
	const rt = await createRuntime({
		config: loadConfig(env, 'embedded'),
		jobDefinitions: [],
		migrate: false,
		logger: createLogger('silent'),
		collectProcessMetrics: false
	});
	try {
		const collab = await createCollabServer(rt, { acceptConnections: false });
		const open: number[] = [];
		let characters = -1;
		for (let i = 0; i < OPENS + 3; i++) {
			const t = performance.now();
			const connection = await collab.hocuspocus.openDirectConnection(name, {});
			const ms = performance.now() - t;
			if (i >= 3) open.push(ms); // the first opens warm up this process's JIT
			if (connection.document) characters = typedCharacters(connection.document);
			await connection.disconnect();
			for (let k = 0; k < 100 && collab.hocuspocus.getDocumentsCount() > 0; k++) await sleep(10);
		}
		const select: number[] = [];
		const apply: number[] = [];
		let storedBytes = 0;
		let structs = 0;
		for (let i = 0; i < OPENS + 3; i++) {
			const t0 = performance.now();
			const [row] = await rt.db.select().from(documents).where(eq(documents.name, name));
			const t1 = performance.now();
			const doc = new Y.Doc();
			Y.applyUpdate(doc, row.state);
			const t2 = performance.now();
			if (i >= 3) {
				select.push(t1 - t0);
				apply.push(t2 - t1);
			}
			storedBytes = row.state.byteLength;
			structs = Y.decodeUpdate(row.state).structs.length;
			doc.destroy();
		}
		await collab.close();
		return {
			openDirectConnectionMs: summarize(open),
			selectRowMs: summarize(select),
			applyUpdateMs: summarize(apply),
			storedBytes,
			structs,
			contentIntact: characters === expectedCharacters
		};
	} finally {
		await rt.close();
	}
}

async function runMode(mode: Mode, profile: boolean) {
	const profileDir = tempDir('panel-prof');
	mkdirSync(profileDir, { recursive: true });
	const stack = await startStack(mode, {
		name: `panel-${mode}`,
		syncNodeArgs: profile ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : []
	});
	let child: ChildProcess | null = null;
	try {
		const admin = await registerAdmin(stack.apiUrl);
		const panelists = await createUsers(stack.apiUrl, admin, PANELISTS);
		const interviewId = await scheduleInterview(stack.apiUrl, admin, panelists);
		const name = documentNames.interviewNotes(interviewId);
		log(`${mode}: interview ${interviewId}; connecting ${PANELISTS} panelists to ${name}`);
		child = forkEditors();
		const config: EditorsConfig = {
			url: stack.collabUrl,
			documents: [{ name, token: panelists[0].token, tokens: panelists.map((p) => p.token), editors: PANELISTS }],
			charsPerSecond: KEYSTROKES_PER_SECOND,
			warmupSeconds: WARMUP,
			seconds: SECONDS,
			drainSeconds: 15,
			connectConcurrency: PANELISTS,
			writes: 'prosemirror'
		};
		const { connectMs } = await request<{ connectMs: number }>(child, { type: 'connect', config }, 'ready');
		log(`${mode}: connected in ${round(connectMs, 0)} ms; typing for ${WARMUP} + ${SECONDS} s`);
		await sleep(1000);
		const editorsPid = child.pid as number;
		const rss0 = rssOf(stack.sync.pid);
		const cpu0 = cpuMsOf(stack.sync.pid);
		const editorsCpu0 = cpuMsOf(editorsPid);
		const t0 = performance.now();
		const window = cpuWindow(() => [...new Set([stack.sync.pid, stack.web.pid, editorsPid])]);
		const from = monotonicUs() + WARMUP * 1e6;
		let rssMax = rss0 ?? 0;
		const rssTimer = setInterval(() => (rssMax = Math.max(rssMax, rssOf(stack.sync.pid) ?? 0)), 1000);
		const typing = child;
		const result = await prioritized([stack.sync.pid, stack.web.pid, editorsPid], () =>
			request<EditorsResult>(typing, { type: 'type' }, 'done')
		);
		clearInterval(rssTimer);
		const machineCpu = window();
		const to = monotonicUs();
		const elapsed = performance.now() - t0;
		const serverCpuPercent = round((((cpuMsOf(stack.sync.pid) ?? 0) - (cpu0 ?? 0)) / elapsed) * 100, 1);
		const editorsCpuPercent = round((((cpuMsOf(editorsPid) ?? 0) - (editorsCpu0 ?? 0)) / elapsed) * 100, 1);
		const latency = summarize(result.latencies);
		const characters = result.perDocument[name] ?? 0;
		log(
			`${mode}: ${latency.count} deliveries p50 ${latency.p50} p99 ${latency.p99} max ${latency.max} ms; lost ${result.lostDeliveries}; state ${result.stateBytes[name]} B; sync CPU ${serverCpuPercent}%; other processes ${machineCpu.otherProcessesPercent}%`
		);

		// Load time while the panel is still connected: the document is in memory.
		const viewer = panelists[0];
		const warm: number[] = [];
		await prioritized([stack.sync.pid, stack.web.pid], async () => {
			for (let i = 0; i < OPENS; i++) warm.push((await openFresh(stack, name, viewer.token)).syncedMs);
		});

		// Everyone leaves; the document is stored and unloaded; cold opens come from the database.
		await new Promise<void>((resolve) => {
			child?.once('exit', () => resolve());
			child?.send({ type: 'close' });
		});
		child = null;
		const loadedAfterLeave = await waitUnloaded(stack);
		await stack.restartSync();
		const cold: Array<{ syncedMs: number; characters: number }> = [];
		await prioritized([stack.sync.pid, stack.web.pid], async () => {
			for (let i = 0; i < OPENS; i++) {
				cold.push(await openFresh(stack, name, viewer.token));
				await waitUnloaded(stack);
			}
		});
		const missingAfterRestart = Math.max(0, characters - cold[0].characters);
		log(
			`${mode}: fresh client synced warm p50 ${summarize(warm).p50} ms, first after restart ${round(cold[0].syncedMs, 1)} ms; ${missingAfterRestart} characters missing after restart`
		);

		let profileSummary: unknown = null;
		if (profile || mode === 'embedded') await stack.sync.stop(); // PGlite: one process owns the folder
		if (profile) {
			const file = newestProfile(profileDir);
			if (file) {
				profileSummary = summarizeCpuProfile(file, {
					fromUs: from,
					toUs: to,
					inclusiveMatch:
						/^(handleMessage|readSyncMessage|applyUpdate|broadcast|send|filter|emit|persistOnce|store|onStoreDocument|encodeStateAsUpdate|publish|handleDocumentUpdate|execProtocolRawSync|rewriteAwareness|throttleAwareness|flushAwareness) /
				});
			}
		}
		const server = await prioritized([], () => serverSideLoad(stack, name, characters));
		log(
			`${mode}: server-side load p50 ${server.openDirectConnectionMs.p50} ms (select ${server.selectRowMs.p50}, apply ${server.applyUpdateMs.p50}); stored ${server.storedBytes} B`
		);

		return {
			panelists: PANELISTS,
			keystrokesPerSecondPerPanelist: KEYSTROKES_PER_SECOND,
			seconds: SECONDS,
			warmupSeconds: WARMUP,
			latencyMs: latency,
			ratioP99ToGoal: round(latency.p99 / GOAL_P99_MS, 3),
			keystrokes: result.sent,
			keystrokesMeasured: result.sentMeasured,
			enters: result.enters,
			characters,
			achievedKeystrokesPerSecond: result.achievedCharsPerSecond,
			expectedDeliveries: result.expectedDeliveries,
			delivered: result.delivered,
			lostDeliveries: result.lostDeliveries,
			divergent: result.divergentDocuments > 0,
			missingCharacters: result.missingCharacters,
			missingAfterRestart,
			loadedDocumentsAfterLeave: loadedAfterLeave,
			document: {
				clientStateBytes: result.stateBytes[name],
				storedStateBytes: server.storedBytes,
				storedStructs: server.structs
			},
			load: {
				warmProviderSyncedMs: summarize(warm),
				firstAfterRestartProviderSyncedMs: round(cold[0].syncedMs, 2),
				coldProviderSyncedMs: summarize(cold.map((c) => c.syncedMs)),
				server
			},
			met:
				latency.p99 < GOAL_P99_MS &&
				result.lostDeliveries === 0 &&
				result.divergentDocuments === 0 &&
				missingAfterRestart === 0 &&
				server.contentIntact,
			syncProcess: {
				cpuPercent: serverCpuPercent,
				rssBeforeMiB: round((rss0 ?? 0) / 2 ** 20, 1),
				rssMaxMiB: round(rssMax / 2 ** 20, 1)
			},
			editorsProcess: {
				cpuPercent: editorsCpuPercent,
				eventLoopDelayMs: result.eventLoopDelayMs,
				connectMs: round(connectMs, 0)
			},
			machineCpu,
			timeline: result.timeline,
			profile: profileSummary
		};
	} finally {
		child?.kill();
		await stack.stop();
	}
}

async function main() {
	const machine = machineInfo();
	assertBuilt();
	const results: Record<string, unknown> = {};
	for (const mode of MODES) {
		// Every attempt's latency is kept beside the one published (the least disturbed).
		const tried: Array<{ otherProcessesPercent: number; latencyMs: { p50: number; p99: number; max: number } }> = [];
		const { result, attempts } = await leastDisturbed(
			async () => {
				const r = await runMode(mode, flag('profile'));
				const { p50, p99, max } = r.latencyMs;
				tried.push({ otherProcessesPercent: r.machineCpu.otherProcessesPercent, latencyMs: { p50, p99, max } });
				return r;
			},
			(r) => r.machineCpu.otherProcessesPercent,
			{ log }
		);
		results[mode] = { ...result, attempts: attempts.map((a, i) => ({ ...a, latencyMs: tried[i]?.latencyMs })) };
	}
	const file = writeResult(flag('profile') ? 'panel-typing-profile' : 'panel-typing', {
		machine,
		goal: { p99Ms: GOAL_P99_MS, lost: 0 },
		method: `${PANELISTS} stock @hocuspocus/provider panelists (one account each) in one child process, ${KEYSTROKES_PER_SECOND} keystrokes per second each into the Tiptap XmlFragment of interview:<id>:notes as y-prosemirror writes them (own paragraph, Enter every 20–60 characters, caret in awareness); latency per (keystroke, each other panelist) from the sender's transaction to the receiver's Y.Doc update event; sync server in another process`,
		...results
	});
	log(`written ${file}`);
}

await main();
