/** Limits of the live-document server (see PITFALLS.md: huge documents, reconnect storms). */
export interface CollabLimits {
	/** Largest document state; an edit that would take a document past it is refused. */
	maxDocumentBytes: number;
	/** Largest single message a client may send. */
	maxMessageBytes: number;
	/** Held for documents not yet authenticated on a socket: at most this much queued… */
	maxPreAuthBytes: number;
	maxPreAuthMessages: number;
	/** …and at most this many documents open on one socket at a time. */
	maxDocumentsPerSocket: number;
	/** Presence/caret updates delivered per client and document (the rest are coalesced). */
	awarenessPerSecond: number;
	/** How often open connections re-check that their session still exists. */
	sessionRecheckMs: number;
	/** A connection that has authenticated nothing by then is closed (idle sockets cost memory). */
	authTimeoutMs: number;
}

export const COLLAB_LIMITS: Readonly<CollabLimits> = {
	maxDocumentBytes: 4 * 1024 * 1024,
	maxMessageBytes: 4 * 1024 * 1024,
	maxPreAuthBytes: 256 * 1024,
	maxPreAuthMessages: 64,
	maxDocumentsPerSocket: 100,
	awarenessPerSecond: 10,
	sessionRecheckMs: 60_000,
	authTimeoutMs: 30_000
};

/** A byte count for people: 512 B, 12.5 KB, 4 MB. */
export function formatBytes(bytes: number): string {
	if (bytes < 1024) return `${bytes} B`;
	if (bytes < 1024 * 1024) return `${Math.round((bytes / 1024) * 10) / 10} KB`;
	return `${Math.round((bytes / 1024 / 1024) * 10) / 10} MB`;
}

/** Stateless messages the server sends to a client, as JSON in a Hocuspocus stateless frame. */
export type ServerNotice =
	| { type: 'error'; code: 'DOCUMENT_TOO_LARGE' | 'MESSAGE_TOO_LARGE' | 'READ_ONLY'; message: string }
	| { type: 'reverted'; message: string; detail?: unknown };
