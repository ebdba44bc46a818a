import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HocuspocusProvider, HocuspocusProviderWebsocket } from '@hocuspocus/provider';
import * as encoding from 'lib0/encoding';
import WebSocket from 'ws';
import * as Y from 'yjs';
import { createSession, generateSessionToken, type SessionUser } from '../../src/lib/server/auth/session';
import type { Database } from '../../src/lib/server/db/client';
import { users } from '../../src/lib/server/db/schema';
import type { Runtime } from '../../src/lib/server/runtime';
import type { RunningProcess } from './app';
import type { Role } from '../../src/lib/roles';
import type { ServerNotice } from '../../src/lib/collab/limits';
import { notesFragment } from '../../src/lib/collab/notes';
import { closeHttpServer, routeUpgrades } from '../../server/http';
import { createCollabServer, type CollabServer, type CollabServerOptions } from '../../sync-server/server';

/** Polls `check` until it returns a truthy value (returned) or the timeout passes (throws). */
export async function waitFor<T>(
	check: () => T | Promise<T>,
	{
		timeoutMs = 10_000,
		intervalMs = 20,
		message = 'condition'
	}: { timeoutMs?: number; intervalMs?: number; message?: string } = {}
): Promise<NonNullable<T>> {
	const deadline = Date.now() + timeoutMs;
	let last: unknown;
	for (;;) {
		try {
			const value = await check();
			if (value) return value as NonNullable<T>;
			last = value;
		} catch (err) {
			last = err;
		}
		if (Date.now() > deadline) {
			throw new Error(`timed out after ${timeoutMs} ms waiting for ${message} (last: ${String(last)})`);
		}
		await new Promise((resolve) => setTimeout(resolve, intervalMs));
	}
}

let userCounter = 0;

/** A user row plus a live session for it (the token a provider sends). */
export async function createUserWithSession(
	db: Database,
	{ role = 'recruiter', name }: { role?: Role; name?: string } = {}
): Promise<{ user: SessionUser; token: string; sessionId: string }> {
	userCounter += 1;
	const email = `collab-${Date.now()}-${userCounter}-${Math.random().toString(36).slice(2, 8)}@example.test`;
	const [row] = await db
		.insert(users)
		// Never logged into with a password: these users only hold sessions.
		.values({ email, name: name ?? `Collab User ${userCounter}`, role, passwordHash: 'unused' })
		.returning();
	const token = generateSessionToken();
	const session = await createSession(db, token, row.id);
	return { user: { id: row.id, email: row.email, name: row.name, role: row.role }, token, sessionId: session.id };
}

/** Another session of an existing user (a second browser, say). */
export async function createSessionFor(db: Database, userId: string): Promise<string> {
	const token = generateSessionToken();
	await createSession(db, token, userId);
	return token;
}

export interface RunningCollab {
	collab: CollabServer;
	/** ws://127.0.0.1:<port>/collab */
	url: string;
	http: Server;
	close(): Promise<void>;
}

/**
 * The sync server of `rt` on a node HTTP server on port 0, routed the way the app routes it.
 * It becomes `rt.collab`, so readiness and `rt.close()` see it.
 */
export async function startCollab(rt: Runtime, options: CollabServerOptions = {}): Promise<RunningCollab> {
	const collab = await createCollabServer(rt, options);
	rt.collab = collab;
	const http = createServer((_req, res) => res.writeHead(404).end());
	routeUpgrades(http, (req, socket, head) => collab.handleUpgrade(req, socket, head));
	await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
	const { port } = http.address() as AddressInfo;
	return {
		collab,
		url: `ws://127.0.0.1:${port}/collab`,
		http,
		async close() {
			await collab.close();
			await closeHttpServer(http);
		}
	};
}

/**
 * `ws` as the provider's WebSocket. A browser WebSocket closed while still connecting only fires
 * an event; `ws` emits 'error', which the provider has stopped listening to by then (destroy()
 * during a reconnect) and which would surface as an uncaught exception.
 */
export class NodeWebSocket extends WebSocket {
	constructor(address: string, options?: WebSocket.ClientOptions) {
		super(address, options);
		this.on('error', () => {});
	}
}

/** One multiplexing WebSocket, as a browser tab would hold (no reconnect delay surprises). */
export function connectSocket(url: string): HocuspocusProviderWebsocket {
	return new HocuspocusProviderWebsocket({
		url,
		WebSocketPolyfill: NodeWebSocket,
		// Fast, bounded reconnects keep tests short; the protocol is the stock one.
		delay: 100,
		minDelay: 100,
		maxDelay: 500,
		jitter: false
	});
}

export interface OpenedTestDocument {
	name: string;
	doc: Y.Doc;
	provider: HocuspocusProvider;
	socket: HocuspocusProviderWebsocket;
	/** Stateless notices the server sent on this document. */
	notices: ServerNotice[];
	/** Resolves with the scope ('read-write' | 'readonly'); rejects with the reason when refused. */
	authenticated: Promise<string>;
	/** Resolves after the first sync with the server. */
	synced: Promise<void>;
	/** Close codes of the socket, in order. */
	closeCodes: number[];
	/** Reasons of every refusal (a reconnect is authenticated again). */
	refusals: string[];
	/** Resolves once every local change has been acknowledged by the server. */
	flushed(timeoutMs?: number): Promise<void>;
	destroy(): void;
}

/**
 * Opens `name` with a stock HocuspocusProvider, on `socket` (multiplexed) or on a socket of its
 * own. `destroy()` detaches the provider and, when it owns it, closes the socket.
 */
export function openDocument(options: {
	url?: string;
	socket?: HocuspocusProviderWebsocket;
	name: string;
	token: string;
	doc?: Y.Doc;
}): OpenedTestDocument {
	const ownSocket = !options.socket;
	const socket = options.socket ?? connectSocket(options.url ?? '');
	const doc = options.doc ?? new Y.Doc();
	const notices: ServerNotice[] = [];
	const closeCodes: number[] = [];
	const refusals: string[] = [];
	let resolveAuth!: (scope: string) => void;
	let rejectAuth!: (err: Error) => void;
	const authenticated = new Promise<string>((resolve, reject) => {
		resolveAuth = resolve;
		rejectAuth = reject;
	});
	// Unobserved refusals must not become unhandled rejections.
	authenticated.catch(() => {});
	let resolveSynced!: () => void;
	const synced = new Promise<void>((resolve) => (resolveSynced = resolve));
	const provider = new HocuspocusProvider({
		websocketProvider: socket,
		name: options.name,
		document: doc,
		token: options.token,
		onAuthenticated: ({ scope }) => resolveAuth(scope),
		onAuthenticationFailed: ({ reason }) => {
			refusals.push(reason);
			rejectAuth(new Error(`refused: ${reason}`));
		},
		onSynced: () => resolveSynced(),
		onStateless: ({ payload }) => {
			try {
				notices.push(JSON.parse(payload) as ServerNotice);
			} catch {
				// not a notice of ours
			}
		},
		onClose: ({ event }) => closeCodes.push(event.code)
	});
	provider.attach();
	return {
		name: options.name,
		doc,
		provider,
		socket,
		notices,
		authenticated,
		synced,
		closeCodes,
		refusals,
		flushed(timeoutMs = 10_000) {
			// Event-driven, so a caller can act in the very tick the server's acknowledgement arrives.
			return new Promise<void>((resolve, reject) => {
				const check = () => {
					if (!provider.isSynced || provider.hasUnsyncedChanges) return;
					cleanup();
					resolve();
				};
				const timer = setTimeout(() => {
					cleanup();
					reject(new Error(`timed out after ${timeoutMs} ms waiting for ${options.name} to be acknowledged`));
				}, timeoutMs);
				const cleanup = () => {
					clearTimeout(timer);
					provider.off('unsyncedChanges', check);
					provider.off('synced', check);
				};
				provider.on('unsyncedChanges', check);
				provider.on('synced', check);
				check();
			});
		},
		destroy() {
			provider.destroy();
			if (ownSocket) socket.destroy();
		}
	};
}

/** Appends one paragraph of text to a Tiptap-shaped notes document. */
export function appendParagraph(doc: Y.Doc, text: string): void {
	const paragraph = new Y.XmlElement('paragraph');
	paragraph.insert(0, [new Y.XmlText(text)]);
	notesFragment(doc).push([paragraph]);
}

/** A raw Hocuspocus frame: varString(document), varUint(type), then the payload writer. */
export function frame(documentName: string, type: number, write: (encoder: encoding.Encoder) => void): Uint8Array {
	const encoder = encoding.createEncoder();
	encoding.writeVarString(encoder, documentName);
	encoding.writeVarUint(encoder, type);
	write(encoder);
	return encoding.toUint8Array(encoder);
}

/** A raw WebSocket to the sync server, open. */
export async function rawSocket(url: string): Promise<WebSocket> {
	const ws = new WebSocket(url);
	await new Promise<void>((resolve, reject) => {
		ws.once('open', () => resolve());
		ws.once('error', reject);
	});
	return ws;
}

/** Resolves with the close code when the raw socket closes; rejects if it stays open too long. */
export function closed(ws: WebSocket, timeoutMs = 10_000): Promise<number> {
	if (ws.readyState === WebSocket.CLOSED) return Promise.resolve(-1);
	return new Promise((resolve, reject) => {
		const timer = setTimeout(() => reject(new Error(`the socket was still open after ${timeoutMs} ms`)), timeoutMs);
		ws.once('close', (code) => {
			clearTimeout(timer);
			resolve(code);
		});
	});
}

// Normally well under 1 ms; the bound leaves room for a loaded machine and is still far inside
// the 2 s store debounce, so the store can only have come from the shutdown.
export const SIGNALLED_WITHIN_MS = 100;

/** The /collab WebSocket URL of a started process. */
export const collabUrl = (proc: RunningProcess) => `${proc.url.replace('http', 'ws')}/collab`;

/**
 * Types into the notes and sends SIGTERM in the very tick the server acknowledges the edit —
 * long before the 2 s store debounce. Returns how long after the acknowledgement the signal went.
 */
export async function editThenSigterm(proc: RunningProcess, doc: OpenedTestDocument, text: string) {
	await doc.synced;
	appendParagraph(doc.doc, text);
	await doc.flushed();
	const acknowledged = performance.now();
	const exited = proc.stop('SIGTERM'); // signals synchronously, then waits for the exit
	const signalledAfterMs = performance.now() - acknowledged;
	const code = await exited;
	return { signalledAfterMs, code };
}

/** The text of a Tiptap document's `default` fragment, one line per paragraph. */
export function fragmentText(doc: Y.Doc): string {
	return doc
		.getXmlFragment('default')
		.toArray()
		.map((node) => (node instanceof Y.XmlElement ? node.toArray().map(String).join('') : ''))
		.join('\n');
}
