import { inArray, and, gt } from 'drizzle-orm';
import { sessions } from '$lib/server/db/schema';
import { channels } from '$lib/server/events/bus';
import type { Runtime } from '$lib/server/runtime';
import type { SocketState } from '../socket-guard';

/** Close code sent when a session ended: the provider reconnects and must authenticate again. */
export const SESSION_ENDED_CODE = 4401;
/**
 * Close code sent when a user's access changed while their session lives on (an admin changed
 * the departments they work for): the provider reconnects and every document is authorised anew.
 */
export const ACCESS_CHANGED_CODE = 4403;

/**
 * Knows which sockets belong to which user and session, so that ending a user's sessions
 * (logout, password or role change, deactivation) closes their live connections at once, on
 * every sync process (through the bus), and a periodic re-check catches sessions that expired.
 * A change of what a user may see (their departments) closes their connections the same way.
 */
export class ConnectionTracker {
	private readonly sockets = new Map<string, SocketState>();
	private readonly unsubscribe: () => void;
	private readonly timer: NodeJS.Timeout;

	constructor(
		private readonly rt: Runtime,
		recheckMs: number
	) {
		this.unsubscribe = rt.bus.subscribe(channels.auth, (message) => {
			if (message.type === 'sessions.revoked' && typeof message.userId === 'string') {
				this.closeWhere((s) => s.user?.id === message.userId, 'sessions-revoked');
			}
			if (message.type === 'session.ended' && typeof message.sessionId === 'string') {
				const sessionId = message.sessionId;
				this.closeWhere((s) => s.sessionIds.has(sessionId), 'session-ended');
			}
			if (message.type === 'access.changed' && typeof message.userId === 'string') {
				this.closeWhere((s) => s.user?.id === message.userId, 'access-changed', ACCESS_CHANGED_CODE);
			}
		});
		this.timer = setInterval(() => void this.recheckSessions(), recheckMs);
		this.timer.unref();
	}

	track(socket: SocketState): void {
		this.sockets.set(socket.id, socket);
	}

	forget(socketId: string): void {
		this.sockets.delete(socketId);
	}

	count(): number {
		return this.sockets.size;
	}

	closeWhere(predicate: (s: SocketState) => boolean, reason: string, code = SESSION_ENDED_CODE): number {
		let closed = 0;
		for (const socket of this.sockets.values()) {
			if (predicate(socket)) {
				socket.socket.revoke(code, reason);
				this.sockets.delete(socket.id);
				closed++;
			}
		}
		if (closed) this.rt.logger.info({ closed, reason }, 'closed live connections');
		return closed;
	}

	/** Long-lived connections outlive sessions: close those whose session is gone or expired. */
	async recheckSessions(): Promise<void> {
		const ids = [...new Set([...this.sockets.values()].flatMap((s) => [...s.sessionIds]))];
		if (ids.length === 0) return;
		try {
			const alive = new Set<string>();
			for (let i = 0; i < ids.length; i += 500) {
				const rows = await this.rt.db
					.select({ id: sessions.id })
					.from(sessions)
					.where(and(inArray(sessions.id, ids.slice(i, i + 500)), gt(sessions.expiresAt, new Date())));
				for (const row of rows) alive.add(row.id);
			}
			this.closeWhere((s) => [...s.sessionIds].some((id) => !alive.has(id)), 'session-expired');
		} catch (err) {
			this.rt.logger.warn({ err }, 'session re-check failed');
		}
	}

	close(): void {
		this.unsubscribe();
		clearInterval(this.timer);
	}
}
