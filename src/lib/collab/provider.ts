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

export interface OpenedDocument {
	doc: Y.Doc;
	provider: HocuspocusProvider;
	/** The offline copy in IndexedDB (null when nothing is kept). */
	local: LocalCopy | null;
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
	handlers: {
		onNotice?: (notice: ServerNotice) => void;
		onStatus?: (status: string) => void;
		onSynced?: () => void;
	} = {},
	options: OpenDocumentOptions = {}
): OpenedDocument {
	const doc = new Y.Doc();
	const provider = new HocuspocusProvider({
		url: collabUrl(),
		name,
		document: doc,
		token: '',
		onStatus: ({ status }) => handlers.onStatus?.(status),
		onSynced: () => handlers.onSynced?.(),
		onAuthenticationFailed: () => handlers.onStatus?.('refused'),
		onStateless: ({ payload }) => {
			try {
				handlers.onNotice?.(JSON.parse(payload) as ServerNotice);
			} catch {
				// not one of ours
			}
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
		destroy() {
			stopReconnecting();
			local?.release();
			provider.destroy();
			doc.destroy();
		}
	};
}
