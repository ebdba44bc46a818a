/**
 * Board viewers in a child process (forked by bench/board-move.ts): `count` stock
 * @hocuspocus/provider clients, each with its own WebSocket and Y.Doc, on one pipeline document.
 * Every time a viewer's copy shows a card at a new stage, the wall-clock instant
 * (performance.timeOrigin + performance.now(), comparable across processes on one machine) goes
 * to the parent as { type: 'seen', viewer, id, stage, at }.
 *
 * IPC: parent → { type: 'connect', url, name, token, count }; child → { type: 'ready', connectMs }.
 *      parent → { type: 'close' }; child exits.
 */
import { HocuspocusProvider, HocuspocusProviderWebsocket } from '@hocuspocus/provider';
import WebSocket from 'ws';
import * as Y from 'yjs';
import { cardsMap } from '../../src/lib/collab/pipeline';

interface ConnectMessage {
	type: 'connect';
	url: string;
	name: string;
	token: string;
	count: number;
	/** First viewer number (for labels across processes). */
	offset: number;
}

const now = () => performance.timeOrigin + performance.now();
const send = (message: object) => process.send?.(message);
const viewers: Array<{ provider: HocuspocusProvider; socket: HocuspocusProviderWebsocket }> = [];

async function connect(config: ConnectMessage) {
	const started = performance.now();
	await Promise.all(
		Array.from({ length: config.count }, async (_, i) => {
			const viewer = config.offset + i;
			const doc = new Y.Doc();
			const socket = new HocuspocusProviderWebsocket({ url: config.url, WebSocketPolyfill: WebSocket });
			const provider = new HocuspocusProvider({
				websocketProvider: socket,
				name: config.name,
				token: config.token,
				document: doc
			});
			const synced = new Promise<void>((resolve, reject) => {
				provider.on('synced', () => resolve());
				provider.on('authenticationFailed', ({ reason }: { reason: string }) => reject(new Error(reason)));
			});
			provider.attach();
			await synced;
			cardsMap(doc).observe((event) => {
				const at = now();
				for (const [id, change] of event.changes.keys) {
					if (change.action === 'delete') continue;
					const card = cardsMap(doc).get(id);
					if (card) send({ type: 'seen', viewer, id, stage: card.stage, at });
				}
			});
			viewers.push({ provider, socket });
		})
	);
	send({ type: 'ready', connectMs: performance.now() - started });
}

process.on('message', (message: { type: string }) => {
	if (message.type === 'connect') {
		connect(message as ConnectMessage).catch((err: unknown) =>
			send({ type: 'error', message: err instanceof Error ? err.message : String(err) })
		);
	} else if (message.type === 'close') {
		for (const v of viewers) {
			v.provider.destroy();
			v.socket.destroy();
		}
		process.exit(0);
	}
});
