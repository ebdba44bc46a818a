import { json } from '@sveltejs/kit';
import { replayBatchInput } from '$lib/schemas/offline';
import { endpoint, requireUser } from '$lib/server/http/endpoint';
import { readJson } from '$lib/server/http/input';
import { replayWrites } from '$lib/server/offline/replay';

/**
 * The outbox's batched replay (issue 6, part 4): up to 100 queued writes in one round trip, run
 * in order, each by its own endpoint under its own Idempotency-Key and permission checks. The
 * answers are returned as each endpoint gave them (status and envelope), up to and including the
 * first one that is not a success.
 */
export const POST = endpoint(async (event) => {
	requireUser(event);
	const { requests } = await readJson(event, replayBatchInput);
	const answers = await replayWrites(event.fetch, requests);
	return json({ success: true, data: { answers }, timestamp: new Date().toISOString() });
});
