/**
 * A child process holding thousands of idle live-document connections with raw `ws` clients
 * (a stock provider per connection would cost this process more than the server). Each
 * connection speaks what @hocuspocus/provider sends for one document:
 *   Auth(token) → [server: Authenticated] → SyncStep1(empty state vector) + Awareness(one state)
 *   → [server: SyncStep2, SyncStep1] → SyncStep2(empty update)
 * and then stays idle (the `ws` client answers the server's pings by itself).
 *
 * IPC: {type:'connect', url, targets, concurrency} → progress {type:'progress'} and
 * {type:'connected', ...counts}; {type:'stats'} → {type:'stats', ...counts}; {type:'close'}.
 */
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import WebSocket from 'ws';

const MSG_SYNC = 0;
const MSG_AWARENESS = 1;
const MSG_AUTH = 2;
const SYNC_STEP1 = 0;
const SYNC_STEP2 = 1;
const AUTH_TOKEN = 0;
const AUTH_DENIED = 1;
const AUTH_OK = 2;

interface Target {
	document: string;
	token: string;
}

const counts = { opened: 0, authenticated: 0, synced: 0, denied: 0, closed: 0, errors: 0 };
const sockets: WebSocket[] = [];

function frame(document: string, type: number, write: (e: encoding.Encoder) => void): Uint8Array {
	const e = encoding.createEncoder();
	encoding.writeVarString(e, document);
	encoding.writeVarUint(e, type);
	write(e);
	return encoding.toUint8Array(e);
}

function open(url: string, { document, token }: Target): Promise<void> {
	return new Promise((resolve) => {
		const ws = new WebSocket(url, { perMessageDeflate: false });
		sockets.push(ws);
		let settled = false;
		const done = () => {
			if (!settled) {
				settled = true;
				resolve();
			}
		};
		const clientId = Math.floor(Math.random() * 2 ** 31);
		ws.binaryType = 'arraybuffer';
		ws.on('open', () => {
			counts.opened++;
			ws.send(
				frame(document, MSG_AUTH, (e) => {
					encoding.writeVarUint(e, AUTH_TOKEN);
					encoding.writeVarString(e, token);
				})
			);
		});
		ws.on('message', (data: ArrayBuffer) => {
			const d = decoding.createDecoder(new Uint8Array(data));
			const doc = decoding.readVarString(d);
			const type = decoding.readVarUint(d);
			if (type === MSG_AUTH) {
				const sub = decoding.readVarUint(d);
				if (sub === AUTH_OK) {
					counts.authenticated++;
					ws.send(
						frame(doc, MSG_SYNC, (e) => {
							encoding.writeVarUint(e, SYNC_STEP1);
							encoding.writeVarUint8Array(e, new Uint8Array([0]));
						})
					);
					const awareness = encoding.createEncoder();
					encoding.writeVarUint(awareness, 1);
					encoding.writeVarUint(awareness, clientId);
					encoding.writeVarUint(awareness, 1);
					encoding.writeVarString(awareness, JSON.stringify({ cursor: null }));
					ws.send(frame(doc, MSG_AWARENESS, (e) => encoding.writeVarUint8Array(e, encoding.toUint8Array(awareness))));
				} else if (sub === AUTH_DENIED) {
					counts.denied++;
					done();
				}
			} else if (type === MSG_SYNC) {
				const sub = decoding.readVarUint(d);
				if (sub === SYNC_STEP1) {
					ws.send(
						frame(doc, MSG_SYNC, (e) => {
							encoding.writeVarUint(e, SYNC_STEP2);
							encoding.writeVarUint8Array(e, new Uint8Array([0, 0]));
						})
					);
				} else if (sub === SYNC_STEP2) {
					counts.synced++;
					done();
				}
			}
		});
		ws.on('error', () => {
			counts.errors++;
			done();
		});
		ws.on('close', () => {
			counts.closed++;
			done();
		});
	});
}

process.on('message', (message: { type: string; url?: string; targets?: Target[]; concurrency?: number }) => {
	void (async () => {
		if (message.type === 'connect' && message.url && message.targets) {
			const { url, targets } = message;
			let next = 0;
			const started = performance.now();
			const progress = setInterval(() => process.send?.({ type: 'progress', ...counts }), 2000);
			await Promise.all(
				Array.from({ length: message.concurrency ?? 50 }, async () => {
					while (next < targets.length) await open(url, targets[next++]);
				})
			);
			clearInterval(progress);
			process.send?.({ type: 'connected', ms: Math.round(performance.now() - started), ...counts });
		} else if (message.type === 'stats') {
			process.send?.({ type: 'stats', ...counts, rssBytes: process.memoryUsage().rss });
		} else if (message.type === 'close') {
			for (const ws of sockets) ws.terminate();
			setTimeout(() => process.exit(0), 100);
		}
	})();
});
