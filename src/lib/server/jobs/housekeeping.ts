import { lt } from 'drizzle-orm';
import { deleteOldLoginAttempts } from '../auth/throttle';
import type { Executor } from '../db/client';
import { sessions } from '../db/schema';
import { deleteOldIdempotencyKeys } from '../http/idempotency';
import type { Runtime } from '../runtime';

/** How long an Idempotency-Key is remembered: an offline laptop may replay its outbox weeks later. */
export const IDEMPOTENCY_RETENTION_MS = 30 * 24 * 60 * 60 * 1000;
/** Sign-in attempts matter for 15 minutes; a day is kept for investigating an attack. */
export const LOGIN_ATTEMPT_RETENTION_MS = 24 * 60 * 60 * 1000;
const EVERY_MS = 60 * 60 * 1000;

/** Removes what has expired: sessions, old sign-in attempts, old idempotency keys. */
export async function runHousekeeping(db: Executor, now = Date.now()): Promise<void> {
	await db.delete(sessions).where(lt(sessions.expiresAt, new Date(now)));
	await deleteOldLoginAttempts(db, new Date(now - LOGIN_ATTEMPT_RETENTION_MS));
	await deleteOldIdempotencyKeys(db, new Date(now - IDEMPOTENCY_RETENTION_MS));
}

/** Runs the housekeeping now and every hour in this process (the embedded app and workers). */
export function scheduleHousekeeping(rt: Runtime): void {
	const run = () => void runHousekeeping(rt.db).catch((err) => rt.logger.warn({ err }, 'housekeeping failed'));
	run();
	const timer = setInterval(run, EVERY_MS);
	timer.unref();
	rt.onClose(async () => clearInterval(timer));
}
