/**
 * Update propagation: editor A types a character, how long until editor B's Y.Doc has it?
 *
 *   npx tsx bench/propagation.ts [--modes embedded,distributed] [--seconds 60] [--warmup 5]
 *                                [--clients 2] [--profile] [--only small|large]
 *
 * Scenarios (each editor is a stock @hocuspocus/provider with its own WebSocket, typing single
 * characters at random places in doc.getText('bench') at 5 characters per second):
 *   small — 2 editors on one document (one user, two sessions of the same notes document);
 *   large — 500 editors on 100 documents (100 users × 5 editors on their notes document).
 * The editors run in `--clients` child processes, never in the server's; all editors of one
 * document share a process (one clock for send and receive). Latency is measured for every
 * (character, receiving editor) pair typed after the warm-up.
 *
 * Nothing lost: every delivery is accounted for (lost = expected − delivered), all editors of a
 * document converge to the same text holding every character typed, and after the editors leave
 * and the sync process restarts, each document read back from the database has every character.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { HocuspocusProvider, HocuspocusProviderWebsocket } from '@hocuspocus/provider';
import WebSocket from 'ws';
import * as Y from 'yjs';
import type { EditorsConfig, EditorsResult } from './lib/editors';
import { createUsers, notesDocument, registerAdmin, type Account } from './lib/fixtures';
import {
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

const SECONDS = numberArg('seconds', 60);
const WARMUP = numberArg('warmup', 5);
const CLIENTS = numberArg('clients', 2);
const GOAL_P99_MS = 10;
const argValue = (name: string, fallback: string) => {
	const i = process.argv.indexOf(`--${name}`);
	return i > 0 ? process.argv[i + 1] : fallback;
};
const MODES = argValue('modes', 'embedded,distributed').split(',') as Mode[];
const ONLY = argValue('only', 'small,large').split(',');

interface Scenario {
	name: 'small' | 'large';
	users: number;
	editorsPerDocument: number;
	clients: number;
}

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

/** Opens each document with a fresh provider and counts its characters (after a restart). */
async function readBack(stack: Stack, documents: Array<{ name: string; token: string }>) {
	const counts: Record<string, number> = {};
	for (const { name, token } of documents) {
		const doc = new Y.Doc();
		const socket = new HocuspocusProviderWebsocket({ url: stack.collabUrl, WebSocketPolyfill: WebSocket });
		const provider = new HocuspocusProvider({ websocketProvider: socket, name, token, document: doc });
		const synced = new Promise<void>((resolve) => provider.on('synced', () => resolve()));
		provider.attach();
		await synced;
		counts[name] = doc.getText('bench').length;
		provider.destroy();
		socket.destroy();
	}
	return counts;
}

async function runScenario(mode: Mode, scenario: Scenario, profile: boolean) {
	const profileDir = tempDir('prop-prof');
	mkdirSync(profileDir, { recursive: true });
	const stack = await startStack(mode, {
		name: `prop-${scenario.name}`,
		syncNodeArgs: profile ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : []
	});
	const children: ChildProcess[] = [];
	try {
		const admin = await registerAdmin(stack.apiUrl);
		const users: Account[] = await createUsers(stack.apiUrl, admin, scenario.users);
		const documents = users.map((u) => ({ name: notesDocument(u.id), token: u.token }));
		log(
			`${mode}/${scenario.name}: ${users.length} users; connecting ${users.length * scenario.editorsPerDocument} editors`
		);
		const groups: Array<typeof documents> = Array.from({ length: scenario.clients }, () => []);
		documents.forEach((d, i) => groups[i % scenario.clients].push(d));
		const readies = groups.map(async (group) => {
			const child = forkEditors();
			children.push(child);
			const config: EditorsConfig = {
				url: stack.collabUrl,
				documents: group.map((d) => ({ ...d, editors: scenario.editorsPerDocument })),
				charsPerSecond: 5,
				warmupSeconds: WARMUP,
				seconds: SECONDS,
				drainSeconds: 15,
				connectConcurrency: 10
			};
			return request<{ connectMs: number }>(child, { type: 'connect', config }, 'ready');
		});
		const connected = await Promise.all(readies);
		log(
			`${mode}/${scenario.name}: connected in ${round(Math.max(...connected.map((c) => c.connectMs)), 0)} ms; typing`
		);
		await sleep(1000);
		const rss0 = rssOf(stack.sync.pid);
		const cpu0 = cpuMsOf(stack.sync.pid);
		const t0 = performance.now();
		const window = cpuWindow(() => [
			...new Set([stack.sync.pid, stack.web.pid, ...children.map((c) => c.pid as number)])
		]);
		const from = monotonicUs() + WARMUP * 1e6;
		let rssMax = rss0 ?? 0;
		const rssTimer = setInterval(() => (rssMax = Math.max(rssMax, rssOf(stack.sync.pid) ?? 0)), 1000);
		const results = await prioritized([stack.sync.pid, stack.web.pid, ...children.map((c) => c.pid)], () =>
			Promise.all(children.map((c) => request<EditorsResult>(c, { type: 'type' }, 'done')))
		);
		clearInterval(rssTimer);
		const machineCpu = window();
		const to = monotonicUs();
		const serverCpuPercent = round(
			(((cpuMsOf(stack.sync.pid) ?? 0) - (cpu0 ?? 0)) / (performance.now() - t0)) * 100,
			1
		);

		const latencies = results.flatMap((r) => r.latencies);
		// Per second of the measured window, all editor processes together: are slow deliveries
		// spread out, or do they come in bursts (e.g. when stores run)?
		const timeline = Array.from({ length: Math.max(...results.map((r) => r.timeline.length)) }, (_, second) => {
			const b = { second, n: 0, over10: 0, over100: 0, max: 0 };
			for (const r of results) {
				const x = r.timeline[second];
				if (!x) continue;
				b.n += x.n;
				b.over10 += x.over10;
				b.over100 += x.over100;
				b.max = Math.max(b.max, x.max);
			}
			return b;
		});
		const sum = (f: (r: EditorsResult) => number) => results.reduce((a, r) => a + f(r), 0);
		const perDocument = Object.assign({}, ...results.map((r) => r.perDocument)) as Record<string, number>;
		const latency = summarize(latencies);
		log(
			`${mode}/${scenario.name}: ${latency.count} deliveries p50 ${latency.p50} p99 ${latency.p99} max ${latency.max} ms; lost ${sum((r) => r.lostDeliveries)}; server CPU ${serverCpuPercent}%`
		);

		// Everyone leaves; the documents are stored and unloaded; the sync process restarts.
		await Promise.all(
			children.map((c) => new Promise<void>((resolve) => (c.once('exit', () => resolve()), c.send({ type: 'close' }))))
		);
		children.length = 0;
		let loaded = -1;
		for (let i = 0; i < 200; i++) {
			loaded = await loadedDocuments(stack);
			if (loaded === 0) break;
			await sleep(100);
		}
		await stack.restartSync();
		const stored = await readBack(stack, documents);
		let missingAfterRestart = 0;
		for (const [name, count] of Object.entries(perDocument))
			missingAfterRestart += Math.max(0, count - (stored[name] ?? 0));
		log(`${mode}/${scenario.name}: after restart, ${missingAfterRestart} characters missing`);

		let profileSummary: unknown = null;
		if (profile) {
			await stack.sync.stop();
			const file = newestProfile(profileDir);
			if (file) {
				profileSummary = summarizeCpuProfile(file, {
					fromUs: from,
					toUs: to,
					inclusiveMatch:
						/^(handleMessage|readSyncMessage|applyUpdate|broadcast|send|filter|emit|persistOnce|store|onStoreDocument|encodeStateAsUpdate|publish|handleDocumentUpdate|execProtocolRawSync) /
				});
			}
		}

		const lost = sum((r) => r.lostDeliveries);
		return {
			editors: users.length * scenario.editorsPerDocument,
			documents: users.length,
			clientProcesses: scenario.clients,
			charsPerSecondPerEditor: 5,
			seconds: SECONDS,
			warmupSeconds: WARMUP,
			latencyMs: latency,
			ratioP99ToGoal: round(latency.p99 / GOAL_P99_MS, 3),
			sent: sum((r) => r.sent),
			sentMeasured: sum((r) => r.sentMeasured),
			achievedCharsPerSecond: round(
				sum((r) => r.achievedCharsPerSecond),
				1
			),
			expectedDeliveries: sum((r) => r.expectedDeliveries),
			delivered: sum((r) => r.delivered),
			lostDeliveries: lost,
			divergentDocuments: sum((r) => r.divergentDocuments),
			missingCharacters: sum((r) => r.missingCharacters),
			missingAfterRestart,
			loadedDocumentsAfterLeave: loaded,
			met: latency.p99 < GOAL_P99_MS && lost === 0 && missingAfterRestart === 0,
			server: {
				cpuPercent: serverCpuPercent,
				rssBeforeMiB: round((rss0 ?? 0) / 2 ** 20, 1),
				rssMaxMiB: round(rssMax / 2 ** 20, 1)
			},
			machineCpu,
			clients: results.map((r) => ({
				cpuPercent: r.clientCpuPercent,
				eventLoopDelayMs: r.eventLoopDelayMs,
				connectMs: round(r.connectMs, 0)
			})),
			timeline,
			profile: profileSummary
		};
	} finally {
		for (const c of children) c.kill();
		await stack.stop();
	}
}

async function main() {
	const machine = machineInfo();
	assertBuilt();
	const scenarios: Scenario[] = [
		{ name: 'small' as const, users: 1, editorsPerDocument: 2, clients: 1 },
		{ name: 'large' as const, users: 100, editorsPerDocument: 5, clients: CLIENTS }
	].filter((s) => ONLY.includes(s.name));
	const results: Record<string, Record<string, unknown>> = {};
	for (const mode of MODES) {
		results[mode] = {};
		for (const scenario of scenarios) {
			const { result, attempts } = await leastDisturbed(
				() => runScenario(mode, scenario, flag('profile')),
				(r) => r.machineCpu.otherProcessesPercent,
				{ log }
			);
			results[mode][scenario.name] = { ...result, attempts };
		}
	}
	const file = writeResult(flag('profile') ? 'propagation-profile' : 'propagation', {
		machine,
		goal: { p99Ms: GOAL_P99_MS, lost: 0 },
		method:
			'stock @hocuspocus/provider editors in child processes, 5 single-character inserts per second each at random positions; latency per (character, receiving editor) from the sender insert to the receiver Y.Doc update event',
		...results
	});
	log(`written ${file}`);
}

await main();
