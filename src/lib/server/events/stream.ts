import type { Runtime } from '../runtime';
import { channels, type BusMessage } from './bus';

export const KEEPALIVE_MS = 20_000;

/** One server-sent event in the wire format (`event:` + one `data:` line of JSON). */
export function formatEvent(message: BusMessage): string {
	return `event: ${message.type}\ndata: ${JSON.stringify(message)}\n\n`;
}

/**
 * A `text/event-stream` response carrying everything published for `userId` (job progress,
 * notifications). The first event, `ready`, is sent once the subscriptions are in place, so a
 * client that waits for it misses nothing published afterwards. The stream ends (after a
 * `session.ended` event) when the session it was opened with is ended or revoked.
 */
export function openEventStream(rt: Runtime, userId: string, sessionId: string | null, abort?: AbortSignal): Response {
	const encoder = new TextEncoder();
	let cleanup = () => {};
	const stream = new ReadableStream<Uint8Array>({
		async start(controller) {
			let open = true;
			const write = (text: string) => {
				if (!open) return;
				try {
					controller.enqueue(encoder.encode(text));
				} catch {
					finish();
				}
			};
			const finish = () => {
				if (!open) return;
				open = false;
				cleanup();
				try {
					controller.close();
				} catch {
					// already closed by the client going away
				}
			};
			const onUser = rt.bus.subscribe(channels.user(userId), (message) => write(formatEvent(message)));
			const onAuth = rt.bus.subscribe(channels.auth, (message) => {
				const ended =
					(message.type === 'sessions.revoked' && message.userId === userId) ||
					(message.type === 'session.ended' && sessionId !== null && message.sessionId === sessionId);
				if (ended) {
					write(formatEvent({ type: 'session.ended' }));
					finish();
				}
			});
			const keepalive = setInterval(() => write(': keepalive\n\n'), KEEPALIVE_MS);
			const onAbort = () => finish();
			rt.metrics.eventStreams.inc();
			cleanup = () => {
				cleanup = () => {};
				clearInterval(keepalive);
				onUser();
				onAuth();
				abort?.removeEventListener('abort', onAbort);
				rt.metrics.eventStreams.dec();
			};
			abort?.addEventListener('abort', onAbort);
			await Promise.all([onUser.ready, onAuth.ready]);
			write(`retry: 3000\nevent: ready\ndata: {}\n\n`);
		},
		cancel() {
			cleanup();
		}
	});
	return new Response(stream, {
		headers: {
			'content-type': 'text/event-stream; charset=utf-8',
			'cache-control': 'no-cache, no-transform',
			connection: 'keep-alive',
			'x-accel-buffering': 'no'
		}
	});
}
