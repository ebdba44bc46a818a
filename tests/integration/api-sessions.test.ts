import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
	createSession,
	generateSessionToken,
	SESSION_LIFETIME_MS,
	sessionIdOf,
	validateSessionToken
} from '../../src/lib/server/auth/session';
import { checkLoginThrottle, recordLoginAttempt } from '../../src/lib/server/auth/throttle';
import { idempotencyKeys, loginAttempts, sessions, users } from '../../src/lib/server/db/schema';
import { runHousekeeping } from '../../src/lib/server/jobs/housekeeping';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { BACKENDS } from '../helpers/env';

const DAY = 24 * 3600_000;

/** Lucia-style sessions and sign-in throttling, against the database itself. */
describe.each(BACKENDS)('sessions on %s', (backend) => {
	let database: TestDatabase;
	let userId: string;

	beforeAll(async () => {
		database = await createTestDatabase(backend);
		const [user] = await database.handle.db
			.insert(users)
			.values({ email: 'session@example.com', name: 'Sess', passwordHash: 'x', role: 'viewer' })
			.returning();
		userId = user.id;
	});

	afterAll(async () => {
		await database?.close();
	});

	const db = () => database.handle.db;
	const setExpiry = (token: string, at: Date) =>
		db()
			.update(sessions)
			.set({ expiresAt: at })
			.where(eq(sessions.id, sessionIdOf(token)));

	it('stores only the hash of the token, with a 30-day expiry, address and agent', async () => {
		const token = generateSessionToken();
		const session = await createSession(db(), token, userId, { ip: '10.9.8.7', userAgent: 'x'.repeat(600) });
		expect(session.id).toBe(sessionIdOf(token));
		expect(session.id).not.toContain(token);
		expect(Math.abs(session.expiresAt.getTime() - (Date.now() + SESSION_LIFETIME_MS))).toBeLessThan(5000);
		expect(session.ip).toBe('10.9.8.7');
		expect(session.userAgent).toHaveLength(500);
		const stored = await db().select().from(sessions).where(eq(sessions.userId, userId));
		expect(JSON.stringify(stored)).not.toContain(token);
		// a junk address is not stored rather than failing the sign-in
		const other = await createSession(db(), generateSessionToken(), userId, { ip: 'unknown' });
		expect(other.ip).toBeNull();
	});

	it('slides: a session used in its second half is extended, one in its first half is not', async () => {
		const token = generateSessionToken();
		await createSession(db(), token, userId);
		const fresh = await validateSessionToken(db(), token);
		expect(fresh?.renewed).toBe(false);
		expect(fresh?.user).toEqual({ id: userId, email: 'session@example.com', name: 'Sess', role: 'viewer' });

		await setExpiry(token, new Date(Date.now() + 10 * DAY));
		const slid = await validateSessionToken(db(), token);
		expect(slid?.renewed).toBe(true);
		expect(slid?.session.expiresAt.getTime()).toBeGreaterThan(Date.now() + 29 * DAY);
		const [row] = await db()
			.select()
			.from(sessions)
			.where(eq(sessions.id, sessionIdOf(token)));
		expect(row.expiresAt.getTime()).toBeGreaterThan(Date.now() + 29 * DAY);
	});

	it('refuses, and removes, an expired session', async () => {
		const token = generateSessionToken();
		await createSession(db(), token, userId);
		await setExpiry(token, new Date(Date.now() - 1000));
		expect(await validateSessionToken(db(), token)).toBeNull();
		expect(
			await db()
				.select()
				.from(sessions)
				.where(eq(sessions.id, sessionIdOf(token)))
		).toHaveLength(0);
	});

	it('refuses the session of a deactivated or deleted user, and malformed tokens', async () => {
		const [user] = await db()
			.insert(users)
			.values({ email: 'short-lived@example.com', name: 'Short', passwordHash: 'x', role: 'viewer' })
			.returning();
		const token = generateSessionToken();
		await createSession(db(), token, user.id);
		expect(await validateSessionToken(db(), token)).not.toBeNull();
		await db().update(users).set({ isActive: false }).where(eq(users.id, user.id));
		expect(await validateSessionToken(db(), token)).toBeNull();

		const second = generateSessionToken();
		await db().update(users).set({ isActive: true, deletedAt: new Date() }).where(eq(users.id, user.id));
		await createSession(db(), second, user.id);
		expect(await validateSessionToken(db(), second)).toBeNull();

		for (const bad of ['', 'short', 'A'.repeat(32), generateSessionToken() + 'x', "'; drop table sessions; --"]) {
			expect(await validateSessionToken(db(), bad)).toBeNull();
		}
	});

	it('throttles sign-in after 5 failures per e-mail and per address in 15 minutes', async () => {
		const email = `throttle-${backend}@example.com`;
		for (let i = 0; i < 4; i++) await recordLoginAttempt(db(), email, `10.0.0.${i}`, false);
		expect((await checkLoginThrottle(db(), email, '10.9.9.9')).blocked).toBe(false);
		await recordLoginAttempt(db(), email, '10.0.0.99', false);
		const blocked = await checkLoginThrottle(db(), email, '10.9.9.9');
		expect(blocked.blocked).toBe(true);
		expect(blocked.retryAfterSeconds).toBeGreaterThan(14 * 60);
		expect((await checkLoginThrottle(db(), 'someone.else@example.com', '10.9.9.9')).blocked).toBe(false);

		// failures older than the window no longer count
		await db()
			.update(loginAttempts)
			.set({ createdAt: sql`now() - interval '16 minutes'` })
			.where(eq(loginAttempts.email, email));
		expect((await checkLoginThrottle(db(), email, '10.9.9.9')).blocked).toBe(false);

		// the window closes when the oldest counted failure leaves it
		await db()
			.update(loginAttempts)
			.set({ createdAt: sql`now() - interval '14 minutes'` })
			.where(eq(loginAttempts.email, email));
		const soon = await checkLoginThrottle(db(), email, '10.9.9.9');
		expect(soon.blocked).toBe(true);
		expect(soon.retryAfterSeconds).toBeGreaterThan(50);
		expect(soon.retryAfterSeconds).toBeLessThanOrEqual(60);

		const address = `10.7.${backend === 'pglite' ? 1 : 2}.1`;
		for (let i = 0; i < 5; i++) await recordLoginAttempt(db(), `spray${i}@example.com`, address, false);
		expect((await checkLoginThrottle(db(), 'fresh@example.com', address)).blocked).toBe(true);
	});

	it('housekeeping removes expired sessions, old sign-in attempts and old idempotency keys only', async () => {
		const expired = generateSessionToken();
		const live = generateSessionToken();
		await createSession(db(), expired, userId);
		await createSession(db(), live, userId);
		await setExpiry(expired, new Date(Date.now() - 1000));
		await recordLoginAttempt(db(), 'old@example.com', '10.1.1.1', false);
		await db()
			.update(loginAttempts)
			.set({ createdAt: sql`now() - interval '2 days'` })
			.where(eq(loginAttempts.email, 'old@example.com'));
		await recordLoginAttempt(db(), 'recent@example.com', '10.1.1.1', false);
		await db()
			.insert(idempotencyKeys)
			.values([
				{
					key: 'old-key-0001',
					userId,
					method: 'POST',
					path: '/x',
					requestHash: 'h',
					createdAt: new Date(Date.now() - 40 * DAY)
				},
				{ key: 'new-key-0001', userId, method: 'POST', path: '/x', requestHash: 'h' }
			]);

		await runHousekeeping(db());

		const sessionIds = (await db().select({ id: sessions.id }).from(sessions)).map((s) => s.id);
		expect(sessionIds).not.toContain(sessionIdOf(expired));
		expect(sessionIds).toContain(sessionIdOf(live));
		const emails = (await db().select({ email: loginAttempts.email }).from(loginAttempts)).map((a) => a.email);
		expect(emails).not.toContain('old@example.com');
		expect(emails).toContain('recent@example.com');
		const keys = (await db().select({ key: idempotencyKeys.key }).from(idempotencyKeys)).map((k) => k.key);
		expect(keys).toEqual(['new-key-0001']);
	});
});
