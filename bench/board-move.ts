/**
 * A card move seen by 20 other connected board viewers (issue 4; goal p99 < 50 ms from the drop
 * to every viewer's copy, validation and the Postgres write included), on the issue 4 data set
 * (the 500-card board of the first requirement).
 *
 *   npx tsx bench/board-move.ts [--modes embedded,distributed] [--moves 70] [--warmup 5] [--rate 4] [--viewers 20]
 *        [--profile]
 *
 * Viewers: stock @hocuspocus/provider clients (own WebSocket and Y.Doc each) in two child
 * processes (bench/lib/board-viewers.ts), never in the server's or the mover's process.
 * Two ways to move, each a fixed-rate stream of moves of distinct cards (sourced → applied):
 *   rest — PATCH /api/v1/applications/:id/stage: validated and written to Postgres (stage,
 *          history, audit) before the answer, then applied to the board document; latency is
 *          from the request's start to the last of the 20 viewers seeing the card in its new
 *          column (the write is inside that interval by construction);
 *   doc  — a 21st provider writes the move into the board document, as a dragging browser does;
 *          the sync server validates it and writes it to Postgres. Recorded: drop → every viewer,
 *          and drop → the row in Postgres at the new stage, and the later of the two ("seen
 *          everywhere and stored"). The row is polled: in distributed mode straight from Postgres
 *          every millisecond (a connection of the benchmark's own, so the poll costs the web
 *          process nothing and finds the commit within ~1 ms); embedded, PGlite is inside the app
 *          process, so through the API every 5 ms (which finds it up to 5 ms plus a GET late).
 *          `--stored-by api` polls through the API in both modes (the method of runs before
 *          2026-12-03 evening).
 * Before each path, `--warmup` moves of other cards, one at a time and not measured (runs before
 * 2026-12-04 had none: their first REST move, cold, was often their worst). The result keeps each
 * path's per-move series, so the slow moves can be placed.
 * Clocks: performance.timeOrigin + performance.now() in every process (one machine).
 * --profile: the server processes run under --cpu-prof; the result gets, per process, where its
 * CPU went during the REST moves and during the document moves, and its busy CPU per move
 * (profiling slows the processes down: do not read the latencies of such a run as results).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { HocuspocusProvider, HocuspocusProviderWebsocket } from '@hocuspocus/provider';
import pg from 'pg';
import WebSocket from 'ws';
import * as Y from 'yjs';
import { documentNames } from '../src/lib/collab/names';
import { moveCard, readCards } from '../src/lib/collab/pipeline';
import { startSeededStack, type CandidateMode } from './lib/candidate-stack';
import { api } from './lib/fixtures';
import { monotonicUs, newestProfile, summarizeCpuProfile } from './lib/profile';
import { assertBuilt, cpuWindow, prioritized, sleep, tempDir, trackDetached } from './lib/proc';
import { log, machineInfo, numberArg, writeResult } from './lib/results';
import { round, summarize } from './lib/stats';

const MOVES = numberArg('moves', 70);
const WARMUP = numberArg('warmup', 5);
const RATE = numberArg('rate', 4);
const VIEWERS = numberArg('viewers', 20);
const GOAL_P99_MS = 50;
const PROFILE = process.argv.includes('--profile');
const storedByArg = process.argv.indexOf('--stored-by');
const STORED_BY = storedByArg > 0 ? process.argv[storedByArg + 1] : 'postgres';
const modesArg = process.argv.indexOf('--modes');
const MODES = (modesArg > 0 ? process.argv[modesArg + 1] : 'embedded,distributed').split(',') as CandidateMode[];
const now = () => performance.timeOrigin + performance.now();

interface Seen {
	type: 'seen';
	viewer: number;
	id: string;
	stage: string;
	at: number;
}

function forkViewers(): ChildProcess {
	const child = fork(path.resolve('bench/lib/board-viewers.ts'), [], {
		execArgv: ['--import', 'tsx'],
		stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
		detached: true
	});
	trackDetached(child);
	return child;
}

function waitForMessage<T>(child: ChildProcess, type: string): Promise<T> {
	return new Promise((resolve, reject) => {
		const onMessage = (m: { type: string; message?: string }) => {
			if (m.type === type) {
				child.off('message', onMessage);
				resolve(m as T);
			} else if (m.type === 'error') {
				child.off('message', onMessage);
				reject(new Error(m.message));
			}
		};
		child.on('message', onMessage);
	});
}

/** Collects, per (card, stage), the instant each viewer first showed it. */
class Sightings {
	private seen = new Map<string, Map<number, number>>();
	private waiters = new Map<string, () => void>();
	constructor(private viewers: number) {}
	add(s: Seen) {
		const key = `${s.id}>${s.stage}`;
		const byViewer = this.seen.get(key) ?? new Map<number, number>();
		if (!byViewer.has(s.viewer)) byViewer.set(s.viewer, s.at);
		this.seen.set(key, byViewer);
		if (byViewer.size === this.viewers) this.waiters.get(key)?.();
	}
	/** Resolves with every viewer's instant once all have seen it (or rejects after `timeoutMs`). */
	all(id: string, stage: string, timeoutMs = 30_000): Promise<number[]> {
		const key = `${id}>${stage}`;
		const done = () => [...(this.seen.get(key)?.values() ?? [])];
		if ((this.seen.get(key)?.size ?? 0) === this.viewers) return Promise.resolve(done());
		return new Promise((resolve, reject) => {
			const timer = setTimeout(
				() => reject(new Error(`${stage} of ${id} seen by ${this.seen.get(key)?.size ?? 0}/${this.viewers}`)),
				timeoutMs
			);
			this.waiters.set(key, () => {
				clearTimeout(timer);
				this.waiters.delete(key);
				resolve(done());
			});
		});
	}
}

/** Fires `count` moves at `rate` per second, each at its instant, and awaits all of them. */
async function fixedRate<T>(count: number, rate: number, move: (i: number, scheduled: number) => Promise<T>) {
	const start = now() + 50;
	const pending: Array<Promise<T>> = [];
	for (let i = 0; i < count; i++) {
		const at = start + (i * 1000) / rate;
		const wait = at - now();
		if (wait > 0) await sleep(wait);
		pending.push(move(i, at));
	}
	return Promise.all(pending);
}

const PROFILED_ROLES = { embedded: ['embedded'], distributed: ['web', 'sync', 'worker'] } as const;
const PROFILE_INCLUSIVE =
	/^(moveInTransaction|settle|mirrorOnce|mirrorNow|drainMirror|moveApplication|inTransaction|handleDocumentUpdate|handleUpdate|applyUpdate|applyUpdateV2|encodeStateAsUpdate|broadcast|send|publish|onChange|writeUpdate|readSyncMessage|handleMessage|execute|query|transaction|recordAudit|recordActivity|lockForUpdate|getApplication|stageHistory|endpoint|handler|respond|authenticate|sessionFromToken|validateSession) /;

/** Where each server process spent its CPU in each phase (a --profile run). */
function profileSummaries(dirs: Record<string, string>, windows: Record<string, [number, number]>, moves: number) {
	const out: Record<string, Record<string, unknown>> = {};
	for (const [role, dir] of Object.entries(dirs)) {
		const file = newestProfile(dir);
		if (!file) continue;
		out[role] = {};
		for (const [phase, [fromUs, toUs]] of Object.entries(windows)) {
			const summary = summarizeCpuProfile(file, { fromUs, toUs, inclusiveMatch: PROFILE_INCLUSIVE });
			out[role][phase] = { ...summary, windowUs: [fromUs, toUs], busyMsPerMove: round(summary.busyMs / moves, 2) };
		}
	}
	return out;
}

async function measure(mode: CandidateMode) {
	log(`${mode}: starting and seeding`);
	const profileDirs: Record<string, string> = {};
	const nodeArgs: Record<string, string[]> = {};
	if (PROFILE) {
		for (const role of PROFILED_ROLES[mode]) {
			profileDirs[role] = tempDir(`board-move-prof-${role}`);
			mkdirSync(profileDirs[role], { recursive: true });
			nodeArgs[role] = ['--cpu-prof', `--cpu-prof-dir=${profileDirs[role]}`];
		}
	}
	const windows: Record<string, [number, number]> = {};
	const stack = await startSeededStack(mode, { name: `board-move-${mode}`, nodeArgs });
	const children: ChildProcess[] = [];
	let result: Record<string, unknown>;
	let postgres: pg.Client | null = null;
	let mover: { provider: HocuspocusProvider; socket: HocuspocusProviderWebsocket; doc: Y.Doc } | null = null;
	try {
		const boardId = stack.seed!.bigBoardId;
		const name = documentNames.pipeline(boardId);
		const token = stack.admin.token;
		const board = await api(stack.apiUrl, 'GET', `/api/v1/requirements/${boardId}/pipeline`, undefined, token);
		const sourced = (board.data.cards as Array<{ id: string; stage: string; version: number }>).filter(
			(c) => c.stage === 'sourced'
		);
		if (sourced.length < 2 * (MOVES + WARMUP))
			throw new Error(`only ${sourced.length} sourced cards for ${2 * (MOVES + WARMUP)} moves`);
		log(`${mode}: seeded in ${stack.seed?.seconds} s; connecting ${VIEWERS} viewers to ${name}`);
		const sightings = new Sightings(VIEWERS);
		const halves = [Math.ceil(VIEWERS / 2), Math.floor(VIEWERS / 2)];
		const readies = halves.map((count, k) => {
			const child = forkViewers();
			children.push(child);
			child.on('message', (m: Seen) => m.type === 'seen' && sightings.add(m));
			const ready = waitForMessage<{ connectMs: number }>(child, 'ready');
			child.send({ type: 'connect', url: stack.collabUrl, name, token, count, offset: k * halves[0] });
			return ready;
		});
		const connected = await Promise.all(readies);
		log(`${mode}: viewers synced in ${round(Math.max(...connected.map((c) => c.connectMs)), 0)} ms`);

		// The mover's own provider (the "dragging browser" of the doc scenario).
		const doc = new Y.Doc();
		const socket = new HocuspocusProviderWebsocket({ url: stack.collabUrl, WebSocketPolyfill: WebSocket });
		const provider = new HocuspocusProvider({ websocketProvider: socket, name, token, document: doc });
		const moverSynced = new Promise<void>((resolve) => provider.on('synced', () => resolve()));
		provider.attach();
		await moverSynced;
		mover = { provider, socket, doc };
		if (readCards(doc).size !== board.data.cards.length) throw new Error('the mover’s copy lacks cards');

		// Where the doc moves' rows are read (see the header).
		if (STORED_BY !== 'api' && stack.databaseUrl) {
			postgres = new pg.Client({ connectionString: stack.databaseUrl });
			await postgres.connect();
		}
		const direct = postgres;
		const pollMs = direct ? 1 : 5;
		const storedSignal = direct ? 'postgres, every 1 ms' : 'API GET /applications/:id, every 5 ms';
		const storedStage = async (id: string): Promise<string | undefined> => {
			if (direct) return (await direct.query('select stage from applications where id = $1', [id])).rows[0]?.stage;
			return (await api(stack.apiUrl, 'GET', `/api/v1/applications/${id}`, undefined, token)).data.stage;
		};

		const restCards = sourced.slice(0, MOVES);
		const docCards = sourced.slice(MOVES, 2 * MOVES);
		// Warm-up moves (not measured): the server's first moves of each kind plan their
		// statements and compile their code paths; the cards come after the measured ones.
		const warmupCards = sourced.slice(2 * MOVES, 2 * MOVES + 2 * WARMUP);
		const cpuDuring = cpuWindow(() => stack.pids());
		const { rest, viaDoc } = await prioritized([...stack.pids(), ...children.map((c) => c.pid)], async () => {
			for (const card of warmupCards.slice(0, WARMUP)) {
				const seen = sightings.all(card.id, 'applied');
				const path = `/api/v1/applications/${card.id}/stage`;
				await api(stack.apiUrl, 'PATCH', path, { stage: 'applied', version: card.version }, token);
				await seen;
			}
			log(`${mode}: ${MOVES} REST moves at ${RATE}/s`);
			const restFrom = monotonicUs();
			const rest = await fixedRate(MOVES, RATE, async (i, scheduled) => {
				const card = restCards[i];
				const seen = sightings.all(card.id, 'applied');
				await api(
					stack.apiUrl,
					'PATCH',
					`/api/v1/applications/${card.id}/stage`,
					{ stage: 'applied', version: card.version },
					token
				);
				const answered = now();
				const times = await seen;
				return {
					answeredMs: answered - scheduled,
					everyViewerMs: Math.max(...times) - scheduled,
					perViewer: times.map((t) => t - scheduled)
				};
			});
			windows.rest = [restFrom, monotonicUs()];
			await sleep(1000);
			for (const card of warmupCards.slice(WARMUP)) {
				const seen = sightings.all(card.id, 'applied');
				moveCard(doc, card.id, 'applied');
				await seen;
				while ((await storedStage(card.id)) !== 'applied') await sleep(pollMs);
			}
			log(`${mode}: ${MOVES} document moves at ${RATE}/s`);
			const docFrom = monotonicUs();
			const viaDoc = await fixedRate(MOVES, RATE, async (i, scheduled) => {
				const card = docCards[i];
				const seen = sightings.all(card.id, 'applied');
				moveCard(doc, card.id, 'applied');
				// The row at the new stage (the poll's own cost is included).
				let stored = 0;
				const deadline = now() + 30_000;
				while (!stored && now() < deadline) {
					const stage = await storedStage(card.id);
					if (stage === 'applied') stored = now();
					else await sleep(pollMs);
				}
				if (!stored) throw new Error(`${card.id} never reached Postgres`);
				const times = await seen;
				const everyViewer = Math.max(...times);
				return {
					everyViewerMs: everyViewer - scheduled,
					storedMs: stored - scheduled,
					bothMs: Math.max(everyViewer, stored) - scheduled,
					perViewer: times.map((t) => t - scheduled)
				};
			});
			windows.doc = [docFrom, monotonicUs()];
			return { rest, viaDoc };
		});
		const machineCpu = cpuDuring();
		const restEvery = summarize(rest.map((r) => r.everyViewerMs));
		const docEvery = summarize(viaDoc.map((r) => r.everyViewerMs));
		const docBoth = summarize(viaDoc.map((r) => r.bothMs));
		log(
			`${mode}: REST → every viewer p50 ${restEvery.p50} p99 ${restEvery.p99} ms; doc → every viewer p50 ${docEvery.p50} p99 ${docEvery.p99}, seen + stored p99 ${docBoth.p99} ms; other processes ${machineCpu.otherProcessesPercent}%`
		);
		result = {
			viewers: VIEWERS,
			cards: board.data.cards.length,
			rest: {
				answerMs: summarize(rest.map((r) => r.answeredMs)),
				everyViewerMs: restEvery,
				eachViewerMs: summarize(rest.flatMap((r) => r.perViewer)),
				// Every move's drop → every viewer, in order (where the slow ones were).
				everyViewerSeriesMs: rest.map((r) => round(r.everyViewerMs, 1))
			},
			doc: {
				everyViewerMs: docEvery,
				storedMs: summarize(viaDoc.map((r) => r.storedMs)),
				storedSignal,
				seenAndStoredMs: docBoth,
				eachViewerMs: summarize(viaDoc.flatMap((r) => r.perViewer)),
				seenAndStoredSeriesMs: viaDoc.map((r) => round(r.bothMs, 1))
			},
			machineCpu,
			met: { rest: restEvery.p99 < GOAL_P99_MS, doc: docBoth.p99 < GOAL_P99_MS }
		};
	} finally {
		await postgres?.end();
		mover?.provider.destroy();
		mover?.socket.destroy();
		for (const child of children) child.send({ type: 'close' });
		await sleep(200);
		await stack.stop();
	}
	if (PROFILE) result.profile = profileSummaries(profileDirs, windows, MOVES);
	return result;
}

async function main() {
	const machine = machineInfo();
	assertBuilt();
	const results: Record<string, unknown> = {};
	for (const mode of MODES) results[mode] = await measure(mode);
	const file = writeResult(PROFILE ? 'board-move-profile' : 'board-move', {
		machine,
		goal: { p99Ms: GOAL_P99_MS, viewers: VIEWERS },
		method: `${MOVES} REST moves then ${MOVES} board-document moves at ${RATE}/s of distinct cards, each path after ${WARMUP} unmeasured warm-up moves, (sourced → applied) on the 500-card board; ${VIEWERS} viewers (stock @hocuspocus/provider, two child processes); latency from the move's scheduled instant to the last viewer's copy showing it (doc: and to the row in Postgres)`,
		...results
	});
	log(`written ${file}`);
}

await main();
