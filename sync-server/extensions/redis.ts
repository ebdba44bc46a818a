import {
	OutgoingMessage,
	type afterStoreDocumentPayload,
	type afterUnloadDocumentPayload,
	type onStoreDocumentPayload
} from '@hocuspocus/server';
import { Redis as RedisExtension } from '@hocuspocus/extension-redis';
import { Redis as IORedis } from 'ioredis';
import type { Logger } from '$lib/server/observability/logger';

export interface RedisSyncOptions {
	url: string;
	prefix: string;
	identifier: string;
	logger: Logger;
}

type Publish = (channel: string | Buffer, message: string | Buffer) => Promise<number>;

/**
 * The Hocuspocus Redis extension, made safe to run for months:
 * - no Redis lock around stores: persistence merges under a Postgres advisory lock, so every
 *   process stores its own state safely, and a lock that cannot be taken (Redis down) neither
 *   skips a store nor crashes the process (hocuspocus#983/#1032);
 * - publishing never rejects: Hocuspocus fires its hooks without awaiting them, so one failed
 *   PUBLISH would be an unhandled rejection and take the whole process down;
 * - after Redis comes back, every loaded document publishes its state vector again, so what
 *   pub/sub dropped during the outage is exchanged at once (hocuspocus#800) instead of waiting
 *   for the next edit;
 * - shutting down never waits for a Redis that is gone.
 */
export class RedisSync extends RedisExtension {
	constructor(private readonly options: RedisSyncOptions) {
		super({
			createClient: () => {
				const client = new IORedis(options.url, { maxRetriesPerRequest: null });
				client.on('error', (err: Error) => options.logger.warn({ err: err.message }, 'collab redis error'));
				return client;
			},
			prefix: options.prefix,
			identifier: options.identifier
		});
		const publish = this.pub.publish.bind(this.pub) as Publish;
		const safePublish: Publish = (channel, message) =>
			publish(channel, message).catch((err: unknown) => {
				options.logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'collab redis publish failed');
				return 0;
			});
		(this.pub as unknown as { publish: Publish }).publish = safePublish;
		this.sub.on('ready', () => {
			// `ready` comes before ioredis re-subscribes; a PING answered means the SUBSCRIBEs are done.
			void this.sub
				.ping()
				.then(() => this.resyncLoadedDocuments())
				.catch(() => {});
		});
	}

	override async onStoreDocument(_data: onStoreDocumentPayload): Promise<void> {
		// Deliberately no lock: see the class comment.
	}

	override async afterStoreDocument(data: afterStoreDocumentPayload): Promise<void> {
		try {
			await super.afterStoreDocument(data);
		} catch (err) {
			this.options.logger.warn({ err }, 'collab redis afterStoreDocument failed');
		}
	}

	override async afterUnloadDocument(data: afterUnloadDocumentPayload): Promise<void> {
		try {
			await super.afterUnloadDocument(data);
		} catch (err) {
			this.options.logger.warn({ err }, 'collab redis unsubscribe failed');
		}
	}

	override async onDestroy(): Promise<void> {
		// Not `redlock.quit()`: with Redis gone it would wait forever.
		this.pub.disconnect(false);
		this.sub.disconnect(false);
	}

	/** Publishes each loaded document's state vector; other processes answer with what we lack. */
	private resyncLoadedDocuments(): void {
		if (!this.instance) return;
		for (const [name, document] of this.instance.documents) {
			const message = new OutgoingMessage(name).createSyncMessage().writeFirstSyncStepFor(document).toUint8Array();
			void this.pub.publish(
				`${this.configuration.prefix}:${name}`,
				Buffer.concat([this.messagePrefix, Buffer.from(message)])
			);
		}
	}
}
