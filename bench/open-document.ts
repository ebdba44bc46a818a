/**
 * Opening a live document with 10,000 edits in its history, server side, database included.
 *
 *   npx tsx bench/open-document.ts [--edits 10000] [--opens 20] [--modes embedded,distributed]
 *
 * 1. Two stock providers (two Yjs clients) make `--edits` separate edits — each its own
 *    transaction and its own update message: 80 % inserts of 1–5 characters and 20 % deletions
 *    of 1–3 characters, at random places of doc.getText('bench') — then leave; the server stores
 *    the document (compacted state) and unloads it.
 * 2. The process holding live documents restarts. From this (separate) process, a raw client
 *    opens the document `--opens` times (the first right after the restart, then each time after
 *    the document was unloaded again) and times: WebSocket open → Authenticated → SyncStep2 (the
 *    whole document). A stock provider times connect → `synced` the same way.
 * 3. Server side, in this process with the product's own code on the same database (the server
 *    stopped first in embedded mode, PGlite being single-process): createCollabServer() and
 *    `hocuspocus.openDirectConnection()` — the onLoadDocument hooks: SELECT of the row + Y.applyUpdate —
 *    timed `--opens` times, unloading in between; and separately the SELECT alone and the
 *    applyUpdate alone.
 */
import { HocuspocusProvider, HocuspocusProviderWebsocket } from '@hocuspocus/provider';
import { eq } from 'drizzle-orm';
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import WebSocket from 'ws';
import * as Y from 'yjs';
import { createCollabServer } from '$sync/server';
import { loadConfig } from '$lib/server/config';
import { documents } from '$lib/server/db/schema';
import { createLogger } from '$lib/server/observability/logger';
import { createRuntime } from '$lib/server/runtime';
import { createUsers, notesDocument, registerAdmin, type Account } from './lib/fixtures';
import { SECRET_KEY, assertBuilt, cpuWindow, prioritized, sleep, waitForQuietMachine } from './lib/proc';
import { log, machineInfo, numberArg, writeResult } from './lib/results';
import { loadedDocuments, startStack, type Mode, type Stack } from './lib/stack';
import { round, summarize } from './lib/stats';

const EDITS = numberArg('edits', 10_000);
const OPENS = numberArg('opens', 20);
const GOAL_MS = 50;
const modesArg = process.argv.indexOf('--modes');
const MODES = (modesArg > 0 ? process.argv[modesArg + 1] : 'embedded,distributed').split(',') as Mode[];

function connectProvider(stack: Stack, name: string, token: string, doc = new Y.Doc()) {
	const socket = new HocuspocusProviderWebsocket({ url: stack.collabUrl, WebSocketPolyfill: WebSocket });
	const provider = new HocuspocusProvider({ websocketProvider: socket, name, token, document: doc });
	const synced = new Promise<void>((resolve) => provider.on('synced', () => resolve()));
	provider.attach();
	return {
		doc,
		provider,
		synced,
		destroy() {
			provider.destroy();
			socket.destroy();
		}
	};
}

/** Two clients make EDITS separate edits (one transaction, one update message each). */
async function makeHistory(stack: Stack, user: Account, name: string) {
	const a = connectProvider(stack, name, user.token);
	const b = connectProvider(stack, name, user.token);
	await Promise.all([a.synced, b.synced]);
	const letters = 'abcdefghijklmnopqrstuvwxyz ';
	let updates = 0;
	const count = () => updates++;
	a.doc.on('update', (_u: Uint8Array, origin: unknown) => origin !== a.provider && count());
	b.doc.on('update', (_u: Uint8Array, origin: unknown) => origin !== b.provider && count());
	for (let i = 0; i < EDITS; i++) {
		const editor = i % 2 === 0 ? a : b;
		const text = editor.doc.getText('bench');
		if (text.length > 10 && Math.random() < 0.2) {
			const at = Math.floor(Math.random() * (text.length - 3));
			text.delete(at, 1 + Math.floor(Math.random() * 3));
		} else {
			const at = Math.floor(Math.random() * (text.length + 1));
			let s = '';
			for (let k = 1 + Math.floor(Math.random() * 5); k > 0; k--) s += letters[Math.floor(Math.random() * 27)];
			text.insert(at, s);
		}
		if (i % 50 === 49) await sleep(2); // let the sockets drain
	}
	// Wait until both replicas converged (every edit went through the server).
	for (let i = 0; i < 600; i++) {
		if (a.doc.getText('bench').toString() === b.doc.getText('bench').toString() && !a.provider.hasUnsyncedChanges)
			break;
		await sleep(100);
	}
	const text = a.doc.getText('bench').toString();
	const converged = text === b.doc.getText('bench').toString();
	a.destroy();
	b.destroy();
	return { updates, textLength: text.length, converged, text };
}

async function waitUnloaded(stack: Stack) {
	for (let i = 0; i < 200; i++) {
		if ((await loadedDocuments(stack)) === 0) return;
		await sleep(50);
	}
	throw new Error('the document was not unloaded');
}

function frame(document: string, type: number, write: (e: encoding.Encoder) => void): Uint8Array {
	const e = encoding.createEncoder();
	encoding.writeVarString(e, document);
	encoding.writeVarUint(e, type);
	write(e);
	return encoding.toUint8Array(e);
}

/**
 * Raw client: Auth and SyncStep1 sent together on open (as a provider does once authenticated);
 * times open → Authenticated and open → SyncStep2 (the full state, after the server loaded it).
 */
function rawOpen(stack: Stack, name: string, token: string) {
	return new Promise<{ handshakeMs: number; authMs: number; syncMs: number; bytes: number }>((resolve, reject) => {
		const started = performance.now();
		let opened = 0;
		let authMs = 0;
		const ws = new WebSocket(stack.collabUrl, { perMessageDeflate: false });
		ws.binaryType = 'arraybuffer';
		ws.on('open', () => {
			opened = performance.now();
			ws.send(
				frame(name, 2, (e) => {
					encoding.writeVarUint(e, 0);
					encoding.writeVarString(e, token);
				})
			);
			ws.send(
				frame(name, 0, (e) => {
					encoding.writeVarUint(e, 0);
					encoding.writeVarUint8Array(e, new Uint8Array([0]));
				})
			);
		});
		ws.on('message', (data: ArrayBuffer) => {
			const d = decoding.createDecoder(new Uint8Array(data));
			decoding.readVarString(d);
			const type = decoding.readVarUint(d);
			const sub = decoding.readVarUint(d);
			if (type === 2 && sub === 2) authMs = performance.now() - opened;
			if (type === 2 && sub === 1) reject(new Error('permission denied'));
			if (type === 0 && sub === 1) {
				const syncMs = performance.now() - opened;
				ws.close();
				resolve({ handshakeMs: opened - started, authMs, syncMs, bytes: data.byteLength });
			}
		});
		ws.on('error', reject);
	});
}

async function clientSide(stack: Stack, name: string, token: string) {
	const raw: Array<{ handshakeMs: number; authMs: number; syncMs: number; bytes: number }> = [];
	const provider: number[] = [];
	for (let i = 0; i < OPENS; i++) {
		raw.push(await rawOpen(stack, name, token));
		await waitUnloaded(stack);
	}
	for (let i = 0; i < OPENS; i++) {
		const t = performance.now();
		const c = connectProvider(stack, name, token);
		await c.synced;
		provider.push(performance.now() - t);
		c.destroy();
		await waitUnloaded(stack);
	}
	// Warm: the document already loaded by another connection (no database read).
	const holder = connectProvider(stack, name, token);
	await holder.synced;
	const warm: number[] = [];
	for (let i = 0; i < OPENS; i++) warm.push((await rawOpen(stack, name, token)).syncMs);
	holder.destroy();
	await waitUnloaded(stack);
	return {
		firstAfterRestart: raw[0],
		coldRawSyncMs: summarize(raw.map((r) => r.syncMs)),
		coldRawAuthMs: summarize(raw.map((r) => r.authMs)),
		handshakeMs: summarize(raw.map((r) => r.handshakeMs)),
		syncStep2Bytes: raw[0].bytes,
		coldProviderSyncedMs: summarize(provider),
		warmRawSyncMs: summarize(warm)
	};
}

/** The product's own load path, in this process, on the same database. */
async function serverSide(stack: Stack, name: string, expectedText: string) {
	const env = {
		DATA_DIR: stack.dataDir,
		LOG_LEVEL: 'silent',
		SECRET_KEY,
		PORT: '0',
		...(stack.env.DATABASE_URL ? { DATABASE_URL: stack.env.DATABASE_URL } : {})
	};
	const config = loadConfig(env, 'embedded');
	const rt = await createRuntime({
		config,
		jobDefinitions: [],
		migrate: false,
		logger: createLogger('silent'),
		collectProcessMetrics: false
	});
	try {
		const collab = await createCollabServer(rt, { acceptConnections: false });
		const open: number[] = [];
		let text = '';
		for (let i = 0; i < OPENS + 3; i++) {
			const t = performance.now();
			const connection = await collab.hocuspocus.openDirectConnection(name, {});
			const ms = performance.now() - t;
			if (i >= 3) open.push(ms); // the first opens warm up this process's JIT
			text = connection.document?.getText('bench').toString() ?? '';
			await connection.disconnect();
			for (let k = 0; k < 100 && collab.hocuspocus.getDocumentsCount() > 0; k++) await sleep(10);
		}
		const select: number[] = [];
		const apply: number[] = [];
		let stateBytes = 0;
		let structs = 0;
		let deleteRanges = 0;
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
			stateBytes = row.state.byteLength;
			const decoded = Y.decodeUpdate(row.state);
			structs = decoded.structs.length;
			deleteRanges = [...decoded.ds.clients.values()].reduce((a, r) => a + r.length, 0);
			doc.destroy();
		}
		await collab.close();
		return {
			openDirectConnectionMs: summarize(open),
			selectRowMs: summarize(select),
			applyUpdateMs: summarize(apply),
			stateBytes,
			structs,
			deleteRanges,
			contentIntact: text === expectedText
		};
	} finally {
		await rt.close();
	}
}

async function runMode(mode: Mode) {
	const stack = await startStack(mode, { name: `open-${mode}` });
	try {
		const admin = await registerAdmin(stack.apiUrl);
		const [user] = await createUsers(stack.apiUrl, admin, 1);
		const name = notesDocument(user.id);
		log(`${mode}: making ${EDITS} edits`);
		const t = performance.now();
		const history = await makeHistory(stack, user, name);
		log(
			`${mode}: ${history.updates} remote updates seen in ${round((performance.now() - t) / 1000, 1)} s; converged ${history.converged}`
		);
		await waitUnloaded(stack);
		await stack.restartSync();
		const quiet = await waitForQuietMachine({ log });
		log(`${mode}: restarted; opening ${OPENS} times from a client`);
		const window = cpuWindow(() => [stack.sync.pid, stack.web.pid]);
		const client = await prioritized([stack.sync.pid, stack.web.pid], () => clientSide(stack, name, user.token));
		log(
			`${mode}: first open after restart ${round(client.firstAfterRestart.syncMs, 1)} ms; cold p50 ${client.coldRawSyncMs.p50} ms`
		);
		if (mode === 'embedded') await stack.sync.stop();
		const server = await prioritized([], () => serverSide(stack, name, history.text));
		const machineCpu = window();
		log(
			`${mode}: server side openDirectConnection p50 ${server.openDirectConnectionMs.p50} ms (select ${server.selectRowMs.p50}, apply ${server.applyUpdateMs.p50})`
		);
		return {
			edits: EDITS,
			history: {
				updatesSeenByTheOtherClient: history.updates,
				textLength: history.textLength,
				converged: history.converged
			},
			client,
			server,
			quietBefore: quiet,
			machineCpu,
			ratioToGoal: round(server.openDirectConnectionMs.p95 / GOAL_MS, 3),
			met:
				server.openDirectConnectionMs.p95 < GOAL_MS && client.firstAfterRestart.syncMs < GOAL_MS && server.contentIntact
		};
	} finally {
		await stack.stop();
	}
}

async function main() {
	const machine = machineInfo();
	assertBuilt();
	const results: Record<string, unknown> = {};
	for (const mode of MODES) results[mode] = await runMode(mode);
	const file = writeResult('open-document', { machine, goal: { ms: GOAL_MS, edits: EDITS }, ...results });
	log(`written ${file}`);
}

await main();
