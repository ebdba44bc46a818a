import { HocuspocusProvider } from '@hocuspocus/provider';
import * as Y from 'yjs';
import type { ServerNotice } from './limits';

/** The WebSocket URL of the sync server: same origin, path /collab. */
export function collabUrl(location: Location = window.location): string {
	const protocol = location.protocol === 'https:' ? 'wss:' : 'ws:';
	return `${protocol}//${location.host}/collab`;
}

export interface OpenedDocument {
	doc: Y.Doc;
	provider: HocuspocusProvider;
	destroy(): void;
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
	} = {}
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
	return {
		doc,
		provider,
		destroy() {
			provider.destroy();
			doc.destroy();
		}
	};
}
