import { and, count, eq, gt, lt, min } from 'drizzle-orm';
import type { Executor } from '../db/client';
import { loginAttempts } from '../db/schema';

/** After this many failures within the window, that e-mail (or that address) must wait. */
export const MAX_FAILURES = 5;
export const WINDOW_MS = 15 * 60 * 1000;

export interface ThrottleState {
	blocked: boolean;
	retryAfterSeconds: number;
}

/** Is another attempt for this e-mail, or from this address, allowed now? */
export async function checkLoginThrottle(db: Executor, email: string, ip: string): Promise<ThrottleState> {
	const since = new Date(Date.now() - WINDOW_MS);
	const recentFailures = and(eq(loginAttempts.succeeded, false), gt(loginAttempts.createdAt, since));
	const [byEmail] = await db
		.select({ n: count(), oldest: min(loginAttempts.createdAt) })
		.from(loginAttempts)
		.where(and(recentFailures, eq(loginAttempts.email, email)));
	const [byIp] = await db
		.select({ n: count(), oldest: min(loginAttempts.createdAt) })
		.from(loginAttempts)
		.where(and(recentFailures, eq(loginAttempts.ip, ip)));
	const blockedBy = [byEmail, byIp].filter((r) => r.n >= MAX_FAILURES && r.oldest);
	if (blockedBy.length === 0) return { blocked: false, retryAfterSeconds: 0 };
	// Blocked until the oldest failure that counts leaves the window.
	const until = Math.max(...blockedBy.map((r) => new Date(r.oldest as Date | string).getTime() + WINDOW_MS));
	return { blocked: true, retryAfterSeconds: Math.max(1, Math.ceil((until - Date.now()) / 1000)) };
}

/** Records an attempt. A success clears this e-mail's failures so a typo streak does not linger. */
export async function recordLoginAttempt(db: Executor, email: string, ip: string, succeeded: boolean): Promise<void> {
	await db.insert(loginAttempts).values({ email, ip, succeeded });
	if (succeeded) {
		await db.delete(loginAttempts).where(and(eq(loginAttempts.succeeded, false), eq(loginAttempts.email, email)));
	}
}

/** Forgets attempts older than `before` (housekeeping; only the last 15 minutes matter). */
export async function deleteOldLoginAttempts(db: Executor, before: Date): Promise<void> {
	await db.delete(loginAttempts).where(lt(loginAttempts.createdAt, before));
}
