/**
 * A client of GET /api/v1/events (server-sent events) as a browser tab holds it, for measuring:
 * each event is stamped with `performance.now()` the moment its last byte was parsed.
 */

export interface StampedEvent {
	event: string;
	data: any;
	at: number;
}

export async function openEventStream(baseUrl: string, token: string) {
	const abort = new AbortController();
	const response = await fetch(`${baseUrl}/api/v1/events`, {
		headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' },
		signal: abort.signal
	});
	if (response.status !== 200 || !response.body) throw new Error(`event stream: ${response.status}`);
	const events: StampedEvent[] = [];
	const waiters = new Set<() => void>();
	const pump = (async () => {
		const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
		let buffer = '';
		try {
			for (;;) {
				const { value, done } = await reader.read();
				if (done) break;
				const at = performance.now();
				buffer += value;
				let index;
				while ((index = buffer.indexOf('\n\n')) >= 0) {
					const block = buffer.slice(0, index);
					buffer = buffer.slice(index + 2);
					let event = 'message';
					const data: string[] = [];
					for (const line of block.split('\n')) {
						if (line.startsWith('event:')) event = line.slice(6).trim();
						else if (line.startsWith('data:')) data.push(line.slice(5).trim());
					}
					if (data.length) events.push({ event, data: JSON.parse(data.join('\n')), at });
				}
				for (const wake of waiters) wake();
			}
		} catch {
			// aborted
		}
	})();
	return {
		events,
		/** The first event (already received or yet to come) that matches. */
		next(predicate: (e: StampedEvent) => boolean, timeoutMs = 10_000): Promise<StampedEvent> {
			return new Promise((resolve, reject) => {
				const check = () => {
					const found = events.find(predicate);
					if (!found) return;
					clearTimeout(timer);
					waiters.delete(check);
					resolve(found);
				};
				const timer = setTimeout(() => {
					waiters.delete(check);
					reject(new Error(`no matching event within ${timeoutMs} ms`));
				}, timeoutMs);
				waiters.add(check);
				check();
			});
		},
		async close() {
			abort.abort();
			await pump;
		}
	};
}
