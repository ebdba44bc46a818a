import { z } from 'zod';
import {
	ACTIVITY_CHANNEL,
	activityInScope,
	canSeeActivity,
	describeActivityShared
} from '$lib/server/activity/service';
import type { ActivityEvent } from '$lib/server/db/schema';
import { channels, type BusMessage } from '$lib/server/events/bus';
import { Forbidden } from '$lib/server/errors';
import { endpoint, requireUser } from '$lib/server/http/endpoint';
import { readQuery } from '$lib/server/http/input';
import { toApiShape } from '$lib/server/http/serialize';

const KEEPALIVE_MS = 20_000;

/** Live activity (server-sent events), filtered like GET /activity; ends with the session. */
export const GET = endpoint(async (event, { rt, actor }) => {
	const user = requireUser(event);
	if (!canSeeActivity(actor, { requirementId: null, candidateId: null })) throw new Forbidden();
	const filter = readQuery(
		event.url,
		z.object({ requirement_id: z.string().uuid().optional(), candidate_id: z.string().uuid().optional() })
	);
	const sessionId = event.locals.session?.id;
	const encoder = new TextEncoder();
	let cleanup = () => {};
	const stream = new ReadableStream<Uint8Array>({
		async start(controller) {
			const send = (type: string, data: unknown) => {
				try {
					controller.enqueue(encoder.encode(`event: ${type}\ndata: ${JSON.stringify(data)}\n\n`));
				} catch {
					cleanup();
				}
			};
			const onActivity = (message: BusMessage) => {
				const activity = message.event as ActivityEvent;
				if (filter.requirement_id && activity.requirementId !== filter.requirement_id) return;
				if (filter.candidate_id && activity.candidateId !== filter.candidate_id) return;
				if (!canSeeActivity(actor, activity)) return;
				// Of records in the user's departments only (asked per event: a candidate's visibility
				// changes as they apply).
				void activityInScope(rt.db, actor, activity)
					.then(async (seen) => (seen ? describeActivityShared(rt.db, activity) : null))
					// The same shape as GET /activity (snake_case keys, ISO dates).
					.then((described) => {
						if (described) send('activity', toApiShape(described));
					})
					.catch(() => undefined);
			};
			const unsubscribe = rt.bus.subscribe(ACTIVITY_CHANNEL, onActivity);
			const unsubscribeAuth = rt.bus.subscribe(channels.auth, (message) => {
				if (
					(message.type === 'sessions.revoked' && message.userId === user.id) ||
					(message.type === 'session.ended' && message.sessionId === sessionId)
				) {
					send('session.ended', {});
					cleanup();
					controller.close();
				}
			});
			const keepalive = setInterval(() => {
				try {
					controller.enqueue(encoder.encode(': keepalive\n\n'));
				} catch {
					cleanup();
				}
			}, KEEPALIVE_MS);
			cleanup = () => {
				clearInterval(keepalive);
				unsubscribe();
				unsubscribeAuth();
			};
			// `ready` once the subscriptions hold (Redis confirmed them): what happens from then on
			// reaches this stream.
			await Promise.all([unsubscribe.ready, unsubscribeAuth.ready]);
			controller.enqueue(encoder.encode('retry: 3000\nevent: ready\ndata: {}\n\n'));
		},
		cancel() {
			cleanup();
		}
	});
	return new Response(stream, {
		headers: {
			'content-type': 'text/event-stream',
			'cache-control': 'no-cache, no-transform',
			'x-accel-buffering': 'no'
		}
	});
});
