import { EventEmitter } from 'node:events';
import type { Redis } from 'ioredis';

/** A message on the event bus. `type` says what happened; the rest is its payload. */
export interface BusMessage {
	type: string;
	[key: string]: unknown;
}

export type BusHandler = (message: BusMessage) => void;

/** Call it to unsubscribe; `ready` settles once messages published from now on will arrive. */
export type Subscription = (() => void) & { ready: Promise<void> };

function subscription(unsubscribe: () => void, ready: Promise<void>): Subscription {
	return Object.assign(unsubscribe, { ready });
}

/**
 * Publish/subscribe between the parts of the product: sessions revoked (the sync server closes
 * connections), job progress and notifications (server-sent events to browsers).
 * In-process in embedded mode; Redis pub/sub when the parts run as separate processes.
 */
export interface EventBus {
	publish(channel: string, message: BusMessage): Promise<void>;
	subscribe(channel: string, handler: BusHandler): Subscription;
	close(): Promise<void>;
}

/** Channel names, in one place. */
export const channels = {
	/** Everything for one user's browser tabs: notifications, job progress. */
	user: (userId: string) => `user:${userId}`,
	/** Progress of one job. */
	job: (jobId: string) => `job:${jobId}`,
	/** Session and permission changes: live connections must be re-checked. */
	auth: 'auth',
	/** Cards changed through REST or a job, for the sync process to mirror into its boards. */
	boards: 'boards'
} as const;

/** Runs one subscriber; a subscriber that throws must not take the process (or its peers) down. */
function deliver(handler: BusHandler, message: BusMessage, onError: (err: unknown) => void): void {
	try {
		handler(message);
	} catch (err) {
		onError(err);
	}
}

export class LocalEventBus implements EventBus {
	private readonly emitter = new EventEmitter();

	constructor(private readonly onError: (err: unknown) => void = () => {}) {
		this.emitter.setMaxListeners(0);
	}

	async publish(channel: string, message: BusMessage): Promise<void> {
		// Deliver asynchronously, like Redis would: a publisher never runs subscribers inline.
		queueMicrotask(() => this.emitter.emit(channel, message));
	}

	subscribe(channel: string, handler: BusHandler): Subscription {
		const listener = (message: BusMessage) => deliver(handler, message, this.onError);
		this.emitter.on(channel, listener);
		return subscription(() => this.emitter.off(channel, listener), Promise.resolve());
	}

	async close(): Promise<void> {
		this.emitter.removeAllListeners();
	}
}

export class RedisEventBus implements EventBus {
	private readonly handlers = new Map<string, Set<BusHandler>>();
	/** Settles when Redis confirmed the SUBSCRIBE of each channel. */
	private readonly subscribed = new Map<string, Promise<void>>();
	private readonly prefix: string;

	constructor(
		private readonly publisher: Redis,
		private readonly subscriber: Redis,
		prefix = 'hh:bus:',
		private readonly onError: (err: unknown) => void = () => {}
	) {
		this.prefix = prefix;
		this.subscriber.on('message', (fullChannel: string, raw: string) => {
			const channel = fullChannel.slice(this.prefix.length);
			const set = this.handlers.get(channel);
			if (!set) return;
			let message: BusMessage;
			try {
				message = JSON.parse(raw) as BusMessage;
			} catch {
				return;
			}
			for (const handler of [...set]) deliver(handler, message, this.onError);
		});
	}

	async publish(channel: string, message: BusMessage): Promise<void> {
		await this.publisher.publish(this.prefix + channel, JSON.stringify(message));
	}

	subscribe(channel: string, handler: BusHandler): Subscription {
		let set = this.handlers.get(channel);
		if (!set) {
			set = new Set();
			this.handlers.set(channel, set);
			this.subscribed.set(
				channel,
				this.subscriber.subscribe(this.prefix + channel).then(
					() => undefined,
					(err: unknown) => this.onError(err)
				)
			);
		}
		set.add(handler);
		const ready = this.subscribed.get(channel) ?? Promise.resolve();
		return subscription(() => {
			const current = this.handlers.get(channel);
			if (!current?.delete(handler) || current.size > 0) return;
			this.handlers.delete(channel);
			this.subscribed.delete(channel);
			void this.subscriber.unsubscribe(this.prefix + channel).catch(() => {});
		}, ready);
	}

	async close(): Promise<void> {
		this.handlers.clear();
		await Promise.allSettled([this.subscriber.quit(), this.publisher.quit()]);
	}
}
