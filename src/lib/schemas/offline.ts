import { z } from 'zod';
import { REPLAY_PATH, climbs, isBatch } from '../offline/replay-path';

export { isReplayablePath } from '../offline/replay-path';

/** Writes one batched replay may carry (the outbox sends up to 50). */
export const REPLAY_BATCH_LIMIT = 100;

/** A path below `/api/v1` that names a write endpoint: no `..`, not the batch endpoint itself. */
const replayPath = z
	.string()
	.max(2000)
	.regex(REPLAY_PATH, 'A path below /api/v1, without a query or %-escapes')
	.refine((path) => !climbs(path), 'The path may not contain .., . or //')
	.refine((path) => !isBatch(path), 'A batch cannot contain a batch');

export const replayRequestInput = z.object({
	/** The write's Idempotency-Key (the outbox entry's id). */
	key: z
		.string()
		.regex(/^[A-Za-z0-9_.:-]{8,200}$/, 'Idempotency-Key must be 8–200 characters of letters, digits and _ . : -'),
	method: z.enum(['POST', 'PUT', 'PATCH', 'DELETE']),
	path: replayPath,
	/** The JSON body (null: none). */
	body: z.unknown().optional(),
	/** A create's temporary id: later requests of the batch that name it are rewritten with the real one. */
	temp_id: z
		.string()
		.regex(/^tmp-[0-9a-f-]{36}$/)
		.nullable()
		.optional()
});
export type ReplayRequestInput = z.infer<typeof replayRequestInput>;

export const replayBatchInput = z.object({
	requests: z
		.array(replayRequestInput)
		.min(1, 'Send at least one request')
		.max(REPLAY_BATCH_LIMIT, `At most ${REPLAY_BATCH_LIMIT} requests a batch`)
});
