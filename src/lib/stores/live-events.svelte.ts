import { browser } from '$app/environment';

/** Events the server pushes on GET /api/v1/events for the signed-in user. */
export const LIVE_EVENT_TYPES = [
	'ready',
	'notification.created',
	'notification.read',
	'job.updated',
	'session.ended'
] as const;
export type LiveEventType = (typeof LIVE_EVENT_TYPES)[number];

type Handler = (data: unknown) => void;

/**
 * The tab's one connection to the server's event stream, shared by everything that wants live
 * updates (the bell, the approvals inbox, an open requirement). `ready` arrives on every
 * (re)connection: subscribers refetch then, so nothing sent while the tab was offline is lost.
 */
class LiveEvents {
	/** `open` once the server confirmed the subscription (its `ready` event). */
	status = $state<'idle' | 'connecting' | 'open' | 'closed'>('idle');

	#source: EventSource | null = null;
	// Plain bookkeeping, not state: nothing renders from it.
	#handlers: Partial<Record<LiveEventType, Handler[]>> = {};
	#users = 0;

	/** Opens the stream (once per tab); call the returned function to let go of it. */
	start(): () => void {
		this.#users += 1;
		if (browser && !this.#source) this.#open();
		let released = false;
		return () => {
			if (released) return;
			released = true;
			this.#users -= 1;
			if (this.#users === 0) this.#close();
		};
	}

	/** Calls `handler` with the JSON payload of each event of `type`; returns the unsubscribe. */
	on(type: LiveEventType, handler: Handler): () => void {
		this.#handlers[type] = [...(this.#handlers[type] ?? []), handler];
		return () => {
			this.#handlers[type] = (this.#handlers[type] ?? []).filter((h) => h !== handler);
		};
	}

	#open() {
		const source = new EventSource('/api/v1/events');
		this.#source = source;
		this.status = 'connecting';
		for (const type of LIVE_EVENT_TYPES) {
			source.addEventListener(type, (event) => {
				if (type === 'ready') this.status = 'open';
				let data: unknown = null;
				try {
					data = JSON.parse((event as MessageEvent<string>).data);
				} catch {
					// not JSON: deliver null
				}
				for (const handler of this.#handlers[type] ?? []) handler(data);
				// The session is over (signed out here or elsewhere): stop reconnecting.
				if (type === 'session.ended') this.#close();
			});
		}
		source.onerror = () => {
			// The browser reconnects by itself unless the server refused the stream (e.g. 401).
			this.status = source.readyState === EventSource.CLOSED ? 'closed' : 'connecting';
		};
	}

	#close() {
		this.#source?.close();
		this.#source = null;
		this.status = 'closed';
	}
}

export const liveEvents = new LiveEvents();
