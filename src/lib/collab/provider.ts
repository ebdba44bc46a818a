import { HocuspocusProvider } from '@hocuspocus/provider';
import * as Y from 'yjs';
import type { ServerNotice } from './limits';
import { keepLocally, type LocalCopy } from '../offline/documents';
import { reconnectWhenOnline } from '../offline/reconnect';
import { signedInUserId } from '../offline/session';

/** The WebSocket URL of the sync server: same origin, path /collab. */
export function collabUrl(location: Location = window.location): string {
	const protocol = location.protocol === 'https:' ? 'wss:' : 'ws:';
	return `${protocol}//${location.host}/collab`;
}

export interface DocumentHandlers {
	onNotice?: (notice: ServerNotice) => void;
	onStatus?: (status: string) => void;
	onSynced?: () => void;
}

export interface OpenedDocument {
	doc: Y.Doc;
	provider: HocuspocusProvider;
	/** The offline copy in IndexedDB (null when nothing is kept). */
	local: LocalCopy | null;
	/**
	 * Hands the document's events to new handlers (a page taking over a document opened before it
	 * existed): they hear the current status and, when it has synced, `onSynced` at once; notices
	 * that came while no one listened are passed on.
	 */
	handle(handlers: DocumentHandlers): void;
	destroy(): void;
}

export interface OpenDocumentOptions {
	/**
	 * Keep the document in IndexedDB for this user (offline copy, `hh:<userId>:<name>`).
	 * Defaults to the signed-in user; null keeps nothing.
	 */
	offlineUserId?: string | null;
}

/**
 * Opens a live document in the browser. Authentication rides on the session cookie of the
 * WebSocket upgrade (the token is httpOnly, so the page never holds it).
 */
export function openDocument(
	name: string,
	initialHandlers: DocumentHandlers = {},
	options: OpenDocumentOptions = {}
): OpenedDocument {
	let handlers = initialHandlers;
	let refused = false;
	/** Notices that came with no one to tell (at most a few: they are the server's replies). */
	const unheard: ServerNotice[] = [];
	const doc = new Y.Doc();
	const provider = new HocuspocusProvider({
		url: collabUrl(),
		name,
		document: doc,
		token: '',
		onStatus: ({ status }) => handlers.onStatus?.(status),
		onSynced: () => handlers.onSynced?.(),
		onAuthenticationFailed: () => {
			refused = true;
			handlers.onStatus?.('refused');
		},
		onStateless: ({ payload }) => {
			let notice: ServerNotice;
			try {
				notice = JSON.parse(payload) as ServerNotice;
			} catch {
				return; // not one of ours
			}
			if (handlers.onNotice) handlers.onNotice(notice);
			else if (unheard.length < 20) unheard.push(notice);
		}
	});
	// The offline copy: loads what this browser stored (also with no network), stores every change.
	const userId = options.offlineUserId === undefined ? signedInUserId() : options.offlineUserId;
	const local = userId ? keepLocally(userId, name, doc, provider) : null;
	const stopReconnecting = reconnectWhenOnline(provider);
	return {
		doc,
		provider,
		local,
		handle(next) {
			handlers = next;
			next.onStatus?.(refused ? 'refused' : provider.configuration.websocketProvider.status);
			if (provider.isSynced) next.onSynced?.();
			if (next.onNotice) for (const notice of unheard.splice(0)) next.onNotice(notice);
		},
		destroy() {
			stopReconnecting();
			local?.release();
			provider.destroy();
			doc.destroy();
		}
	};
}
