import { EventEmitter } from 'node:events';
import type { IncomingMessage } from 'node:http';
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import type WebSocket from 'ws';
import { formatBytes, type CollabLimits, type ServerNotice } from '$lib/collab/limits';
import type { SessionUser } from '$lib/server/auth/session';
import { colorForUser } from '$lib/collab/identity';

// Hocuspocus wire format: varString(documentName), varUint(messageType), payload.
const MESSAGE_SYNC = 0;
const MESSAGE_AWARENESS = 1;
const MESSAGE_AUTH = 2;
const AUTH_PERMISSION_DENIED = 1;
const MESSAGE_SYNC_REPLY = 4;
const MESSAGE_STATELESS = 5;
const MESSAGE_BROADCAST_STATELESS = 6;
const SYNC_STEP_2 = 1;
const SYNC_UPDATE = 2;

/** Close code when a connection breaks the limits (the WebSocket "policy violation"). */
export const POLICY_VIOLATION_CODE = 1008;
/** Close code when a document could not be loaded (the WebSocket "internal error"): retry later. */
export const UNAVAILABLE_CODE = 1011;

/** One client's presence state in an awareness update. */
interface PresenceEntry {
	clientId: number;
	clock: number;
	state: string;
}

/** What the server knows about one WebSocket, shared with the extensions through the context. */
export interface SocketState {
	id: string;
	address: string;
	request: IncomingMessage;
	/** The user, once a document on this socket has been authenticated. */
	user: SessionUser | null;
	/** The sessions whose tokens authenticated documents on this socket. */
	sessionIds: Set<string>;
	/** Documents authenticated on this socket, with their access. */
	documents: Map<string, 'read' | 'write'>;
	socket: GuardedSocket;
}

export interface GuardPolicy {
	limits: Readonly<CollabLimits>;
	/** May an update of `bytes` bytes be applied to this document without passing its size cap? */
	admitsUpdate(documentName: string, bytes: number): boolean;
	/** May this socket speak for a Yjs client id (presence states)? Stops forging others' presence. */
	claimClient(clientId: number, socketId: string, userId: string): boolean;
	onRejected(reason: string): void;
}

/**
 * Stands between a raw WebSocket and Hocuspocus. Hocuspocus reads and writes through it as if
 * it were the socket; on the way in it
 * - bounds what a client may have queued for documents not yet authenticated (memory DoS,
 *   GHSA-xwhh-v746-pj9m) and drops everything sent for a document that was refused,
 * - refuses oversized messages and edits that would take a document past its size cap, with a
 *   clear notice,
 * - rewrites presence (awareness) states so `user` is the session's user — never what the
 *   client claims (hocuspocus#1055) — and coalesces them to N per second (yjs#732),
 * - drops client-originated broadcast-stateless frames, so no client can speak as the server,
 * - drops everything once the connection has been revoked (its session ended), and closes a
 *   connection that authenticated nothing within a deadline.
 * Hocuspocus re-emits queued messages after authentication through `emit('message')`, so
 * those pass through the same filter.
 */
export class GuardedSocket extends EventEmitter {
	/** Messages queued by Hocuspocus for documents that are not authenticated (yet). */
	private readonly pending = new Map<string, { bytes: number; messages: number }>();
	private pendingBytes = 0;
	private pendingMessages = 0;
	private readonly openDocuments = new Set<string>();
	private readonly refused = new Set<string>();
	private revoked = false;
	/** Per document: when presence was last passed on, and what waits (latest state per client). */
	private readonly awareness = new Map<
		string,
		{ last: number; pending: Map<number, PresenceEntry>; timer: NodeJS.Timeout | null }
	>();

	constructor(
		private readonly ws: WebSocket,
		readonly state: Omit<SocketState, 'socket'>,
		private readonly policy: GuardPolicy
	) {
		super();
		this.setMaxListeners(0);
		ws.on('message', (data: Buffer) => this.emit('message', data));
		ws.on('pong', () => super.emit('pong'));
		const authDeadline = setTimeout(() => {
			if (!this.state.user) this.reject('auth_timeout', 'nothing authenticated in time');
		}, policy.limits.authTimeoutMs);
		authDeadline.unref();
		ws.on('close', (code: number, reason: Buffer) => {
			clearTimeout(authDeadline);
			for (const entry of this.awareness.values()) if (entry.timer) clearTimeout(entry.timer);
			super.emit('close', code, reason);
		});
		ws.on('error', (err) => super.emit('error', err));
	}

	get readyState() {
		return this.ws.readyState;
	}

	get binaryType() {
		return this.ws.binaryType;
	}

	set binaryType(value: WebSocket['binaryType']) {
		this.ws.binaryType = value;
	}

	send(data: Uint8Array, callback?: (err?: Error) => void): void {
		if (this.isLoadFailure(data)) {
			// Hocuspocus answers a document it could not load (database down) with "permission
			// denied", and a stock provider then gives up for good. Close instead: the provider
			// reconnects with backoff and loads it once the database is back.
			this.policy.onRejected('load_failed');
			this.ws.close(UNAVAILABLE_CODE, 'document unavailable, retry later');
			return;
		}
		this.ws.send(data, callback);
	}

	/** A "permission denied" for a document this socket was granted: only a failed load says that. */
	private isLoadFailure(data: Uint8Array): boolean {
		if (data.byteLength > 512) return false;
		try {
			const decoder = decoding.createDecoder(data);
			const documentName = decoding.readVarString(decoder);
			return (
				decoding.readVarUint(decoder) === MESSAGE_AUTH &&
				decoding.readVarUint(decoder) === AUTH_PERMISSION_DENIED &&
				this.state.documents.has(documentName)
			);
		} catch {
			return false;
		}
	}

	ping(): void {
		this.ws.ping();
	}

	close(code?: number, reason?: string): void {
		this.ws.close(code, reason);
	}

	terminate(): void {
		this.ws.terminate();
	}

	/**
	 * Closes the connection because its authority ended (session revoked): nothing it sends from
	 * now on is applied, even while the closing handshake is under way.
	 */
	revoke(code: number, reason: string): void {
		this.revoked = true;
		this.ws.close(code, reason);
		// A client that does not answer the close handshake is cut off.
		setTimeout(() => this.ws.terminate(), 5000).unref();
	}

	/** The document was authenticated: what was queued for it is no longer pre-auth. */
	documentAuthenticated(documentName: string): void {
		this.release(documentName);
	}

	/**
	 * The document was refused: later frames for it are dropped here. Hocuspocus keeps what it
	 * queued for it until the socket closes, so that stays counted against the pre-auth limits.
	 */
	documentRefused(documentName: string): void {
		this.refused.add(documentName);
	}

	/** The client closed the document (or the socket went): it may be opened again. */
	documentClosed(documentName: string): void {
		this.release(documentName);
		this.openDocuments.delete(documentName);
		const presence = this.awareness.get(documentName);
		if (presence?.timer) clearTimeout(presence.timer);
		this.awareness.delete(documentName);
	}

	/** Sends a JSON notice to the client on one document (a Hocuspocus stateless message). */
	notify(documentName: string, notice: ServerNotice): void {
		const encoder = encoding.createEncoder();
		encoding.writeVarString(encoder, documentName);
		encoding.writeVarUint(encoder, MESSAGE_STATELESS);
		encoding.writeVarString(encoder, JSON.stringify(notice));
		if (this.ws.readyState === 1) this.ws.send(encoding.toUint8Array(encoder));
	}

	override emit(event: string | symbol, ...args: unknown[]): boolean {
		if (event !== 'message') return super.emit(event, ...args);
		const data = args[0];
		if (!(data instanceof Uint8Array)) return false;
		if (this.revoked) return true;
		try {
			this.filter(data);
		} catch {
			this.reject('malformed', 'malformed message');
		}
		return true;
	}

	private deliver(data: Uint8Array) {
		super.emit('message', data);
	}

	private reject(reason: string, message: string) {
		this.policy.onRejected(reason);
		this.revoked = true;
		this.ws.close(POLICY_VIOLATION_CODE, message);
		setTimeout(() => this.ws.terminate(), 5000).unref();
	}

	private release(documentName: string) {
		const entry = this.pending.get(documentName);
		if (!entry) return;
		this.pendingBytes -= entry.bytes;
		this.pendingMessages -= entry.messages;
		this.pending.delete(documentName);
	}

	private filter(data: Uint8Array): void {
		const { limits } = this.policy;
		const decoder = decoding.createDecoder(data);
		const documentName = decoding.readVarString(decoder);
		const type = decoding.readVarUint(decoder);

		if (this.refused.has(documentName)) return;

		if (!this.openDocuments.has(documentName)) {
			if (this.openDocuments.size >= limits.maxDocumentsPerSocket) {
				this.reject('too_many_documents', 'too many documents on one connection');
				return;
			}
			this.openDocuments.add(documentName);
		}

		if (data.byteLength > limits.maxMessageBytes) {
			this.policy.onRejected('message_too_large');
			this.notify(documentName, {
				type: 'error',
				code: 'MESSAGE_TOO_LARGE',
				message: `This change is larger than ${formatBytes(limits.maxMessageBytes)} and was not saved.`
			});
			return;
		}

		const access = this.state.documents.get(documentName);
		if (!access) {
			// Not authenticated yet: Hocuspocus queues it. Bound that queue.
			const entry = this.pending.get(documentName) ?? { bytes: 0, messages: 0 };
			this.pending.set(documentName, entry);
			entry.bytes += data.byteLength;
			entry.messages += 1;
			this.pendingBytes += data.byteLength;
			this.pendingMessages += 1;
			if (this.pendingBytes > limits.maxPreAuthBytes || this.pendingMessages > limits.maxPreAuthMessages) {
				this.reject('pre_auth_flood', 'too much data before authentication');
				return;
			}
			this.deliver(data);
			return;
		}

		switch (type) {
			case MESSAGE_BROADCAST_STATELESS:
				this.policy.onRejected('client_broadcast');
				return;
			case MESSAGE_SYNC:
			case MESSAGE_SYNC_REPLY: {
				const syncType = decoding.readVarUint(decoder);
				if ((syncType === SYNC_STEP_2 || syncType === SYNC_UPDATE) && access === 'write') {
					const update = decoding.readVarUint8Array(decoder);
					if (!this.policy.admitsUpdate(documentName, update.byteLength)) {
						this.policy.onRejected('document_too_large');
						this.notify(documentName, {
							type: 'error',
							code: 'DOCUMENT_TOO_LARGE',
							message: `This document has reached its size limit (${formatBytes(limits.maxDocumentBytes)}); this change was not saved.`
						});
						return;
					}
				}
				this.deliver(data);
				return;
			}
			case MESSAGE_AWARENESS: {
				const entries = this.rewriteAwareness(decoding.readVarUint8Array(decoder));
				if (entries.length) this.throttleAwareness(documentName, entries);
				return;
			}
			default:
				this.deliver(data);
		}
	}

	/**
	 * Replaces each presence state's `user` with the session user, and drops the entries of
	 * client ids this socket may not speak for (providers also echo the states of others).
	 */
	private rewriteAwareness(update: Uint8Array): PresenceEntry[] {
		const user = this.state.user;
		if (!user) return [];
		const decoder = decoding.createDecoder(update);
		const count = decoding.readVarUint(decoder);
		const entries: PresenceEntry[] = [];
		for (let i = 0; i < count; i++) {
			const clientId = decoding.readVarUint(decoder);
			const clock = decoding.readVarUint(decoder);
			const raw = decoding.readVarString(decoder);
			if (!this.policy.claimClient(clientId, this.state.id, user.id)) continue;
			let state: unknown = null;
			try {
				state = JSON.parse(raw);
			} catch {
				continue;
			}
			if (state !== null && typeof state === 'object' && !Array.isArray(state)) {
				(state as Record<string, unknown>).user = {
					id: user.id,
					name: user.name,
					color: colorForUser(user.id)
				};
			}
			entries.push({ clientId, clock, state: JSON.stringify(state) });
		}
		return entries;
	}

	/**
	 * At most N presence messages a second per document. What arrives in between is coalesced per
	 * client id — the latest state of each client always gets through, none is lost to another's.
	 */
	private throttleAwareness(documentName: string, entries: PresenceEntry[]) {
		const interval = 1000 / this.policy.limits.awarenessPerSecond;
		let presence = this.awareness.get(documentName);
		if (!presence) this.awareness.set(documentName, (presence = { last: 0, pending: new Map(), timer: null }));
		for (const entry of entries) {
			const previous = presence.pending.get(entry.clientId);
			if (!previous || previous.clock <= entry.clock) presence.pending.set(entry.clientId, entry);
		}
		const now = Date.now();
		if (now - presence.last >= interval && !presence.timer) {
			this.flushAwareness(documentName, presence);
			return;
		}
		if (!presence.timer) {
			const waiting = presence;
			waiting.timer = setTimeout(
				() => {
					waiting.timer = null;
					if (this.ws.readyState === 1 && !this.revoked) this.flushAwareness(documentName, waiting);
				},
				Math.max(0, interval - (now - presence.last))
			);
		}
	}

	private flushAwareness(documentName: string, presence: { last: number; pending: Map<number, PresenceEntry> }) {
		if (presence.pending.size === 0) return;
		presence.last = Date.now();
		const inner = encoding.createEncoder();
		encoding.writeVarUint(inner, presence.pending.size);
		for (const e of presence.pending.values()) {
			encoding.writeVarUint(inner, e.clientId);
			encoding.writeVarUint(inner, e.clock);
			encoding.writeVarString(inner, e.state);
		}
		presence.pending.clear();
		const outer = encoding.createEncoder();
		encoding.writeVarString(outer, documentName);
		encoding.writeVarUint(outer, MESSAGE_AWARENESS);
		encoding.writeVarUint8Array(outer, encoding.toUint8Array(inner));
		this.deliver(encoding.toUint8Array(outer));
	}
}
