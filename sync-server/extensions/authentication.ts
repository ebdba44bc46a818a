import type { Extension, onAuthenticatePayload, onDisconnectPayload } from '@hocuspocus/server';
import { SESSION_COOKIE, validateSessionToken, type SessionUser } from '$lib/server/auth/session';
import type { Runtime } from '$lib/server/runtime';
import { resolveDocumentAccess } from '../authorize';
import type { SocketState } from '../socket-guard';
import type { ConnectionTracker } from './connections';

/** The typed context every hook receives once a document is authenticated. */
export interface CollabContext {
	socket: SocketState;
	user: SessionUser;
	access: 'read' | 'write';
}

interface Grant {
	user: SessionUser;
	access: 'read' | 'write';
	sessionId: string;
}

/**
 * A refusal. Hocuspocus sends `reason` to the client; the message stays empty so Hocuspocus does
 * not also print every refusal to stderr (they are counted in collab_rejected_total instead).
 */
class Refused extends Error {
	constructor(readonly reason: string) {
		super('');
	}
}

function cookieValue(header: string | undefined, name: string): string | null {
	if (!header) return null;
	for (const part of header.split(';')) {
		const [key, ...rest] = part.trim().split('=');
		if (key !== name) continue;
		try {
			return decodeURIComponent(rest.join('='));
		} catch {
			return null;
		}
	}
	return null;
}

/**
 * Authenticates each document on a connection from the session — the provider's token
 * (API clients, tests) or the session cookie of the upgrade request (browsers) — and asks
 * the permission module for that document: refuse, read-only or read-write. Identity comes
 * from the session only.
 */
export function authenticationExtension(rt: Runtime, tracker: ConnectionTracker): Extension {
	async function authorize(data: onAuthenticatePayload, socket: SocketState): Promise<Grant> {
		const token = data.token || cookieValue(data.requestHeaders.cookie, SESSION_COOKIE);
		if (!token) throw new Refused('unauthenticated');
		const valid = await validateSessionToken(rt.db, token);
		if (!valid) throw new Refused('unauthenticated');
		if (socket.user && socket.user.id !== valid.user.id) throw new Refused('one-user-per-connection');
		const access = await resolveDocumentAccess(rt, valid.user, data.documentName);
		if (access === 'none') throw new Refused('forbidden');
		return { user: valid.user, access, sessionId: valid.session.id };
	}

	return {
		extensionName: 'authentication',
		async onAuthenticate(data: onAuthenticatePayload) {
			const socket = (data.context as { socket: SocketState }).socket;
			let granted: Grant;
			try {
				granted = await authorize(data, socket);
			} catch (err) {
				const reason = err instanceof Refused ? err.reason : 'unavailable';
				if (!(err instanceof Refused))
					rt.logger.error({ err, documentName: data.documentName }, 'authentication failed');
				rt.metrics.collabRejected.inc({ reason: reason.replace(/-/g, '_') });
				// Refused here, never in onLoadDocument (hocuspocus#1156); later frames are dropped.
				socket.socket.documentRefused(data.documentName);
				throw err instanceof Refused ? err : new Refused('unavailable');
			}
			// Per document, on a socket that may hold others with other access (hocuspocus#613).
			data.connectionConfig.readOnly = granted.access === 'read';
			socket.user = granted.user;
			socket.sessionIds.add(granted.sessionId);
			socket.documents.set(data.documentName, granted.access);
			socket.socket.documentAuthenticated(data.documentName);
			tracker.track(socket);
			const context: Omit<CollabContext, 'socket'> = { user: granted.user, access: granted.access };
			return context;
		},
		async onDisconnect(data: onDisconnectPayload) {
			// Direct connections (server-side edits) have no socket, and maybe no context at all.
			const socket = (data.context as { socket?: SocketState } | undefined)?.socket;
			if (!socket) return;
			socket.documents.delete(data.documentName);
			socket.socket.documentClosed(data.documentName);
		}
	};
}
