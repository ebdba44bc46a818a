/**
 * A load-generator child process (forked by bench/propagation.ts and bench/panel-typing.ts with
 * `--import tsx`): stock `@hocuspocus/provider` editors, each with its own WebSocket and Y.Doc,
 * typing at a fixed rate. Two ways of typing (`config.writes`):
 *   - `text`: single characters into `doc.getText('bench')` at random places;
 *   - `prosemirror`: keystrokes into the Tiptap notes fragment (`notesFragment`, XmlFragment
 *     `default`) exactly as y-prosemirror writes them — each editor types at its own caret in its
 *     own paragraph (XmlElement `paragraph` holding an XmlText), presses Enter every 20–60
 *     characters (a new empty paragraph after the current one; its first character creates the
 *     XmlText), one Yjs transaction per keystroke, and moves its caret in awareness (`cursor`:
 *     relative anchor/head, set only when it changed, as y-tiptap's cursor plugin does).
 *
 * Every editor of a document lives in this same process, so send and receive instants come from
 * one clock. A sent character is identified by its Yjs id (clientID, clock); a receiver decodes
 * each remote update and looks the ids up, so every delivery to every other editor is one sample.
 *
 * IPC protocol: parent → {type:'connect', ...} → child {type:'ready'}; parent → {type:'type'} →
 * child {type:'done', ...results}; parent → {type:'close'} → child exits.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { HocuspocusProvider, HocuspocusProviderWebsocket } from '@hocuspocus/provider';
import WebSocket from 'ws';
import * as Y from 'yjs';
import { notesFragment } from '../../src/lib/collab/notes';
import { typedCharacters } from './notes-count';

export interface EditorsConfig {
	url: string;
	/** Each document's editors; editor i signs in with `tokens[i]` when given (one user each), else `token`. */
	documents: Array<{ name: string; token: string; tokens?: string[]; editors: number }>;
	charsPerSecond: number;
	warmupSeconds: number;
	seconds: number;
	/** How long to wait for the last deliveries after typing stops. */
	drainSeconds: number;
	/** Connections opened at once while connecting. */
	connectConcurrency: number;
	/** How keystrokes are written (default `text`). */
	writes?: 'text' | 'prosemirror';
}

export interface EditorsResult {
	type: 'done';
	/** Latency of each (update, receiving editor) pair sent after the warm-up, ms. */
	latencies: number[];
	timeline: Array<{ n: number; over10: number; over100: number; max: number }>;
	sent: number;
	sentMeasured: number;
	expectedDeliveries: number;
	delivered: number;
	lostDeliveries: number;
	/** Documents whose editors do not all hold the same text, or not every character. */
	divergentDocuments: number;
	missingCharacters: number;
	totalCharacters: number;
	/** Characters typed into each document (by name), for the persistence check. */
	perDocument: Record<string, number>;
	achievedCharsPerSecond: number;
	clientCpuPercent: number;
	eventLoopDelayMs: { p50: number; p99: number; max: number };
	connectMs: number;
	/** Y.encodeStateAsUpdate of each document as its first editor holds it after the drain, bytes. */
	stateBytes: Record<string, number>;
	/** Keystrokes that were Enter (prosemirror writes only). */
	enters: number;
}

/** One editor's typing position in the notes fragment (prosemirror writes). */
interface Caret {
	paragraph: Y.XmlElement;
	offset: number;
	/** Characters left before the next Enter. */
	untilEnter: number;
}

interface Editor {
	doc: Y.Doc;
	text: Y.Text;
	provider: HocuspocusProvider;
	socket: HocuspocusProviderWebsocket;
	docIndex: number;
	caret: Caret | null;
}

const editors: Editor[] = [];
/** `${client}:${clock}` → { sent instant, receivers still to get it, measured? } */
const pending = new Map<string, { at: number; remaining: number; measured: boolean }>();
const latencies: number[] = [];
/** Per second of the measured window (by send instant): samples, over 10 ms, over 100 ms, max. */
const timeline: Array<{ n: number; over10: number; over100: number; max: number }> = [];
let measureFromInstant = Infinity;
let delivered = 0;
let expectedDeliveries = 0;
let sent = 0;
let sentMeasured = 0;
let enters = 0;
const perDocumentSent: number[] = [];

function onRemoteUpdate(update: Uint8Array) {
	const now = performance.now();
	const { structs } = Y.decodeUpdate(update);
	for (const struct of structs) {
		for (let i = 0; i < struct.length; i++) {
			const key = `${struct.id.client}:${struct.id.clock + i}`;
			const entry = pending.get(key);
			if (!entry) continue;
			delivered++;
			if (entry.measured) {
				const ms = now - entry.at;
				latencies.push(ms);
				const second = Math.floor((entry.at - measureFromInstant) / 1000);
				const bucket = (timeline[second] ??= { n: 0, over10: 0, over100: 0, max: 0 });
				bucket.n++;
				if (ms > 10) bucket.over10++;
				if (ms > 100) bucket.over100++;
				if (ms > bucket.max) bucket.max = Math.round(ms);
			}
			if (--entry.remaining === 0) pending.delete(key);
		}
	}
}

async function connect(config: EditorsConfig): Promise<number> {
	const started = performance.now();
	const all: Array<{ name: string; token: string; docIndex: number }> = [];
	config.documents.forEach((d, docIndex) => {
		perDocumentSent[docIndex] = 0;
		for (let i = 0; i < d.editors; i++) all.push({ name: d.name, token: d.tokens?.[i] ?? d.token, docIndex });
	});
	let next = 0;
	async function opener() {
		while (next < all.length) {
			const { name, token, docIndex } = all[next++];
			const doc = new Y.Doc();
			const socket = new HocuspocusProviderWebsocket({ url: config.url, WebSocketPolyfill: WebSocket });
			const provider = new HocuspocusProvider({ websocketProvider: socket, name, token, document: doc });
			const synced = new Promise<void>((resolve, reject) => {
				provider.on('synced', () => resolve());
				provider.on('authenticationFailed', ({ reason }: { reason: string }) => reject(new Error(reason)));
			});
			provider.attach();
			await synced;
			doc.on('update', (update: Uint8Array, origin: unknown) => {
				if (origin === provider) onRemoteUpdate(update);
			});
			editors.push({ doc, text: doc.getText('bench'), provider, socket, docIndex, caret: null });
		}
	}
	await Promise.all(Array.from({ length: config.connectConcurrency }, opener));
	return performance.now() - started;
}

async function type(config: EditorsConfig): Promise<EditorsResult> {
	const editorsPerDoc = new Map<number, number>();
	for (const e of editors) editorsPerDoc.set(e.docIndex, (editorsPerDoc.get(e.docIndex) ?? 0) + 1);
	const interval = 1000 / config.charsPerSecond;
	const started = performance.now();
	const measureFrom = started + config.warmupSeconds * 1000;
	measureFromInstant = measureFrom;
	const stopAt = measureFrom + config.seconds * 1000;
	const cpu0 = process.cpuUsage();
	const timers: NodeJS.Timeout[] = [];
	const letters = config.writes === 'prosemirror' ? 'etaoin shrdlu cmfwyp vbgkjq xz ' : 'abcdefghijklmnopqrstuvwxyz';
	if (config.writes === 'prosemirror') for (const editor of editors) openParagraph(editor);
	for (const editor of editors) {
		// Random phase so the editors do not type in lock-step.
		const startTimer = setTimeout(() => {
			const timer = setInterval(() => {
				const now = performance.now();
				if (now >= stopAt) return;
				const clock = Y.getState(editor.doc.store, editor.doc.clientID);
				const receivers = (editorsPerDoc.get(editor.docIndex) ?? 1) - 1;
				const measured = now >= measureFrom;
				if (receivers > 0) {
					pending.set(`${editor.doc.clientID}:${clock}`, { at: now, remaining: receivers, measured });
					expectedDeliveries += receivers;
				}
				sent++;
				if (measured) sentMeasured++;
				if (config.writes === 'prosemirror') {
					if (typeKeystroke(editor, letters[sent % letters.length])) perDocumentSent[editor.docIndex]++;
					else enters++;
				} else {
					perDocumentSent[editor.docIndex]++;
					const position = Math.floor(Math.random() * (editor.text.length + 1));
					editor.text.insert(position, letters[sent % letters.length]);
				}
			}, interval);
			timers.push(timer);
		}, Math.random() * interval);
		timers.push(startTimer);
	}
	await new Promise((resolve) => setTimeout(resolve, stopAt - performance.now()));
	for (const t of timers) clearTimeout(t);
	const typingMs = performance.now() - started;
	const cpu = process.cpuUsage(cpu0);
	// Drain: wait until every delivery arrived, or give up after drainSeconds.
	const drainUntil = performance.now() + config.drainSeconds * 1000;
	while (pending.size > 0 && performance.now() < drainUntil) await new Promise((r) => setTimeout(r, 50));
	let lostDeliveries = 0;
	for (const entry of pending.values()) lostDeliveries += entry.remaining;

	// Convergence: all editors of a document hold the same text with every character typed.
	let divergentDocuments = 0;
	let missingCharacters = 0;
	let totalCharacters = 0;
	const byDoc = new Map<number, Editor[]>();
	for (const e of editors) byDoc.set(e.docIndex, [...(byDoc.get(e.docIndex) ?? []), e]);
	const stateBytes: Record<string, number> = {};
	for (const [docIndex, list] of byDoc) {
		const texts = list.map((e) =>
			config.writes === 'prosemirror' ? notesFragment(e.doc).toString() : e.text.toString()
		);
		const typed = list.map((e) => (config.writes === 'prosemirror' ? typedCharacters(e.doc) : e.text.length));
		stateBytes[config.documents[docIndex].name] = Y.encodeStateAsUpdate(list[0].doc).byteLength;
		totalCharacters += perDocumentSent[docIndex];
		const missing = Math.max(...typed.map((length) => perDocumentSent[docIndex] - length));
		missingCharacters += Math.max(0, missing);
		if (texts.some((t) => t !== texts[0]) || missing > 0) divergentDocuments++;
	}
	return {
		type: 'done',
		latencies,
		timeline: Array.from(timeline, (b) => b ?? { n: 0, over10: 0, over100: 0, max: 0 }),
		sent,
		sentMeasured,
		expectedDeliveries,
		delivered,
		lostDeliveries,
		divergentDocuments,
		missingCharacters,
		totalCharacters,
		perDocument: Object.fromEntries(config.documents.map((d, i) => [d.name, perDocumentSent[i]])),
		achievedCharsPerSecond: Math.round((sent / typingMs) * 1000 * 10) / 10,
		clientCpuPercent: Math.round((((cpu.user + cpu.system) / 1000) * 100 * 10) / typingMs) / 10,
		eventLoopDelayMs: { p50: 0, p99: 0, max: 0 },
		connectMs: 0,
		stateBytes,
		enters
	};
}

/**
 * Gives the editor a paragraph of its own at the end of the notes (where a panelist clicks to
 * start writing). One transaction, as the Enter that makes it would be.
 */
function openParagraph(editor: Editor) {
	const fragment = notesFragment(editor.doc);
	const paragraph = new Y.XmlElement('paragraph');
	fragment.insert(fragment.length, [paragraph]);
	editor.caret = { paragraph, offset: 0, untilEnter: 20 + Math.floor(Math.random() * 40) };
	moveCaret(editor);
}

/**
 * One keystroke at the editor's caret, written as y-prosemirror writes a ProseMirror step: a
 * character into the paragraph's XmlText (created by the first character), or Enter at the end
 * of the line (a new empty paragraph right after it). Returns false for Enter.
 */
function typeKeystroke(editor: Editor, letter: string): boolean {
	const caret = editor.caret;
	if (!caret) throw new Error('no caret');
	if (caret.untilEnter <= 0) {
		const parent = caret.paragraph.parent;
		if (!(parent instanceof Y.XmlFragment)) throw new Error('paragraph outside the fragment');
		const index = parent.toArray().indexOf(caret.paragraph);
		const paragraph = new Y.XmlElement('paragraph');
		parent.insert(index + 1, [paragraph]);
		editor.caret = { paragraph, offset: 0, untilEnter: 20 + Math.floor(Math.random() * 40) };
		moveCaret(editor);
		return false;
	}
	const first = caret.paragraph.firstChild;
	if (first instanceof Y.XmlText) first.insert(caret.offset, letter);
	else caret.paragraph.insert(0, [new Y.XmlText(letter)]);
	caret.offset++;
	caret.untilEnter--;
	moveCaret(editor);
	return true;
}

/** The caret in awareness, as y-tiptap's cursor plugin sets it: only when it moved. */
function moveCaret(editor: Editor) {
	const awareness = editor.provider.awareness;
	const caret = editor.caret;
	if (!awareness || !caret) return;
	const text = caret.paragraph.firstChild;
	// assoc −1 (stick to the character before), as y-tiptap's absolutePositionToRelativePosition.
	const position =
		text instanceof Y.XmlText
			? Y.createRelativePositionFromTypeIndex(text, caret.offset, -1)
			: Y.createRelativePositionFromTypeIndex(caret.paragraph, 0, -1);
	const current = awareness.getLocalState()?.cursor as { anchor?: unknown } | null | undefined;
	if (current?.anchor && Y.compareRelativePositions(Y.createRelativePositionFromJSON(current.anchor), position)) return;
	const json = Y.relativePositionToJSON(position);
	awareness.setLocalStateField('cursor', { anchor: json, head: json });
}

/** Event-loop delay of this process while typing (how much of a latency is the client's own). */
function typingLoopDelay(): { start(): void; stop(): { p50: number; p99: number; max: number } } {
	const h = monitorEventLoopDelay({ resolution: 5 });
	return {
		start: () => h.enable(),
		stop() {
			h.disable();
			return {
				p50: Math.round(h.percentile(50) / 1e4) / 100,
				p99: Math.round(h.percentile(99) / 1e4) / 100,
				max: Math.round(h.max / 1e4) / 100
			};
		}
	};
}

let config: EditorsConfig | null = null;
let connectMs = 0;
process.on('message', (message: { type: string; config?: EditorsConfig }) => {
	void (async () => {
		try {
			if (message.type === 'connect' && message.config) {
				config = message.config;
				connectMs = await connect(config);
				process.send?.({ type: 'ready', connectMs });
			} else if (message.type === 'type' && config) {
				const delay = typingLoopDelay();
				delay.start();
				const result = await type(config);
				result.eventLoopDelayMs = delay.stop();
				result.connectMs = connectMs;
				process.send?.(result);
			} else if (message.type === 'close') {
				for (const e of editors) {
					e.provider.destroy();
					e.socket.destroy();
				}
				setTimeout(() => process.exit(0), 200);
			}
		} catch (err) {
			process.send?.({ type: 'error', message: err instanceof Error ? err.stack : String(err) });
		}
	})();
});
