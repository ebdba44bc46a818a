import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { Hocuspocus, type Extension } from '@hocuspocus/server';
import * as Y from 'yjs';
import { WebSocketServer, type WebSocket } from 'ws';
import { COLLAB_LIMITS, type CollabLimits } from '$lib/collab/limits';
import type { CollabHandle, Runtime } from '$lib/server/runtime';
import { authenticationExtension } from './extensions/authentication';
import { ConnectionTracker } from './extensions/connections';
import { PersistenceExtension } from './extensions/persistence';
import { RedisSync } from './extensions/redis';
import { PipelineBoard } from './documents/pipeline';
import { DescriptionDerivation } from './documents/requirement-description';
import { GuardedSocket, type GuardPolicy, type SocketState } from './socket-guard';

export const COLLAB_PATH = '/collab';
const DEBOUNCE_MS = 2000;
const MAX_DEBOUNCE_MS = 10_000;

export interface CollabServerOptions {
	/** False for the web process in distributed mode: it only opens direct connections. */
	acceptConnections?: boolean;
	/** Extra extensions (derivations of later domains). */
	extensions?: Extension[];
	/** Overrides of COLLAB_LIMITS (tests use small ones). */
	limits?: Partial<CollabLimits>;
	/** Waits between the immediate and the background retries of failed stores. */
	storeRetryDelaysMs?: number[];
	backgroundStoreRetryDelaysMs?: number[];
}

export interface CollabServer extends CollabHandle {
	hocuspocus: Hocuspocus;
	persistence: PersistenceExtension;
	tracker: ConnectionTracker;
	/** Takes an HTTP upgrade for /collab (the app's own server, or the sync process's). */
	handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void;
	/** Stores every loaded document now (graceful shutdown). */
	flush(): Promise<void>;
}

/**
 * Builds the Hocuspocus server from small single-purpose extensions: authentication and
 * per-document authorization, persistence (compacted state, merge on store, retries),
 * connection tracking (session revocation), and the Redis extension between processes in
 * distributed mode. Sockets go through the GuardedSocket (limits, trusted presence).
 */
export async function createCollabServer(rt: Runtime, options: CollabServerOptions = {}): Promise<CollabServer> {
	const acceptConnections = options.acceptConnections ?? true;
	const limits: Readonly<CollabLimits> = { ...COLLAB_LIMITS, ...options.limits };
	const persistence = new PersistenceExtension(rt, {
		maxDebounceMs: MAX_DEBOUNCE_MS,
		maxDocumentBytes: limits.maxDocumentBytes,
		retryDelaysMs: options.storeRetryDelaysMs,
		backgroundRetryDelaysMs: options.backgroundStoreRetryDelaysMs
	});
	const tracker = new ConnectionTracker(rt, limits.sessionRecheckMs);
	const clientOwners = new Map<number, { socketId: string; userId: string }>();
	const claimedBySocket = new Map<string, Set<number>>();

	// Derivations turn document changes into rows: descriptions rendered into requirements, board
	// moves validated and written to applications (or reverted).
	const extensions: Extension[] = [
		persistence,
		authenticationExtension(rt, tracker),
		new DescriptionDerivation(rt),
		new PipelineBoard(rt),
		...(options.extensions ?? [])
	];
	if (rt.config.REDIS_URL) {
		extensions.push(
			new RedisSync({
				url: rt.config.REDIS_URL,
				prefix: `${rt.config.REDIS_PREFIX}:collab`,
				identifier: `sync-${randomUUID()}`,
				logger: rt.logger
			})
		);
	}

	const hocuspocus = new Hocuspocus({
		name: `hiring-hare-${rt.config.role}`,
		quiet: true,
		debounce: DEBOUNCE_MS,
		maxDebounce: MAX_DEBOUNCE_MS,
		timeout: 30_000,
		unloadImmediately: true,
		extensions,
		async afterLoadDocument() {
			rt.metrics.collabDocuments.set(hocuspocus.getDocumentsCount());
		},
		async afterUnloadDocument() {
			rt.metrics.collabDocuments.set(hocuspocus.getDocumentsCount());
		}
	});

	const wss = acceptConnections
		? new WebSocketServer({ noServer: true, maxPayload: limits.maxMessageBytes + 64 * 1024 })
		: null;
	let closing = false;

	const policy: GuardPolicy = {
		limits,
		admitsUpdate: (name, bytes) => persistence.admitsUpdate(name, bytes),
		claimClient(clientId, socketId, userId) {
			const owner = clientOwners.get(clientId);
			// Another user's client id: refused (no one speaks as someone else). The same user's:
			// taken over, as a provider that reconnects keeps its client id while the server may
			// not have noticed yet that its old socket is dead.
			if (owner && owner.userId !== userId) return false;
			if (owner?.socketId === socketId) return true;
			if (owner) claimedBySocket.get(owner.socketId)?.delete(clientId);
			clientOwners.set(clientId, { socketId, userId });
			let set = claimedBySocket.get(socketId);
			if (!set) claimedBySocket.set(socketId, (set = new Set()));
			set.add(clientId);
			return true;
		},
		onRejected: (reason) => rt.metrics.collabRejected.inc({ reason })
	};

	function accept(ws: WebSocket, request: IncomingMessage) {
		const state: Omit<SocketState, 'socket'> = {
			id: randomUUID(),
			address: request.socket.remoteAddress ?? 'unknown',
			request,
			user: null,
			sessionIds: new Set(),
			documents: new Map()
		};
		// One object shared by the guard and the extensions (through the connection context).
		const socketState: SocketState = Object.assign(state, { socket: new GuardedSocket(ws, state, policy) });
		rt.metrics.collabConnections.inc();
		ws.on('error', (err) => rt.logger.debug({ err: err.message }, 'websocket error'));
		ws.once('close', () => {
			rt.metrics.collabConnections.dec();
			tracker.forget(state.id);
			for (const clientId of claimedBySocket.get(state.id) ?? []) {
				if (clientOwners.get(clientId)?.socketId === state.id) clientOwners.delete(clientId);
			}
			claimedBySocket.delete(state.id);
		});
		// The guard implements the part of the ws API Hocuspocus uses.
		hocuspocus.handleConnection(socketState.socket as unknown as WebSocket, request, { socket: socketState });
	}

	function sameOrigin(request: IncomingMessage): boolean {
		const origin = request.headers.origin;
		if (!origin) return true; // not a browser: it authenticates with a token
		try {
			const host = new URL(origin).host;
			return host === request.headers.host || origin === rt.config.ORIGIN;
		} catch {
			return false;
		}
	}

	const server: CollabServer = {
		hocuspocus,
		persistence,
		tracker,
		handleUpgrade(request, socket, head) {
			if (!wss || closing) {
				socket.destroy();
				return;
			}
			// Cookies ride along on a cross-site WebSocket too: only our own pages may use them.
			if (!sameOrigin(request)) {
				rt.metrics.collabRejected.inc({ reason: 'cross_origin' });
				socket.write('HTTP/1.1 403 Forbidden\r\nConnection: close\r\n\r\n');
				socket.destroy();
				return;
			}
			wss.handleUpgrade(request, socket, head, (ws) => accept(ws, request));
		},
		async updateDocument(name, change) {
			// A document open in this process with viewers connected: changed in place. Hocuspocus
			// broadcasts it to them and runs onChange (the Redis extension passes it to the other
			// sync processes); it is stored like their edits (debounced). A direct connection would cost ≥ 1 s a round here (the Redis extension delays
			// its store and disconnect by `disconnectDelay`), and board mirrors queue behind it.
			const open = hocuspocus.documents.get(name);
			if (open && !open.isLoading && open.getConnectionsCount() > 0) {
				change(open);
				// A change made in place schedules no store of its own: schedule one (debounced, like
				// a client's edit), so that it is kept even if no viewer edits before leaving.
				void Promise.resolve(
					hocuspocus.storeDocumentHooks(open, {
						clientsCount: open.getConnectionsCount(),
						context: {},
						document: open,
						documentName: name,
						instance: hocuspocus,
						requestHeaders: {},
						requestParameters: new URLSearchParams(),
						socketId: 'server-in-place'
					})
				).catch((err: unknown) => rt.logger.warn({ err, document: name }, 'storing an in-place change failed'));
				return;
			}
			const connection = await hocuspocus.openDirectConnection(name, { server: true });
			try {
				await connection.transact((doc) => change(doc));
			} finally {
				// Always: a direct connection left open keeps the document loaded (hocuspocus#846).
				await connection.disconnect();
			}
		},
		async readDocument(name) {
			const connection = await hocuspocus.openDirectConnection(name, { server: true });
			try {
				const copy = new Y.Doc();
				if (connection.document) Y.applyUpdate(copy, Y.encodeStateAsUpdate(connection.document));
				return copy;
			} finally {
				await connection.disconnect();
			}
		},
		documentCount: () => hocuspocus.getDocumentsCount(),
		connectionCount: () => wss?.clients.size ?? 0,
		storeProblem: () => persistence.problem(),
		async flush() {
			await Promise.all([...hocuspocus.documents.values()].map((doc) => persistence.storeExclusive(doc)));
		},
		async close() {
			if (closing) return;
			closing = true;
			// 1. Close every connection: Hocuspocus stores each document as its last client leaves
			//    (the pending debounced store runs now) and unloads it. Frames already in flight
			//    are still applied first (hocuspocus#738: an edit just before SIGTERM is kept).
			for (const client of wss?.clients ?? []) client.close(1012, 'server restarting');
			const deadline = Date.now() + 5000;
			while (
				((wss?.clients.size ?? 0) > 0 || hocuspocus.getDocumentsCount() > persistence.pinnedDocuments().length) &&
				Date.now() < deadline
			) {
				await new Promise((resolve) => setTimeout(resolve, 20));
			}
			// 2. Whatever is still loaded (clients that did not answer, direct connections, documents
			//    whose stores failed) is stored now, while the database is still open.
			for (const client of wss?.clients ?? []) client.terminate();
			await server.flush();
			const unsaved = persistence.pinnedDocuments();
			if (unsaved.length) rt.logger.error({ documents: unsaved }, 'documents could not be stored before shutdown');
			persistence.stop();
			tracker.close();
			await hocuspocus.hooks('onDestroy', { instance: hocuspocus });
			wss?.close();
		}
	};
	return server;
}
