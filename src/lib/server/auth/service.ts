import { and, count, eq, isNull, sql } from 'drizzle-orm';
import type { LoginInput, RegisterInput } from '../../schemas/users';
import type { Actor } from '../actor';
import { auditSnapshot, recordAudit } from '../audit/audit';
import { inTransaction } from '../db/transaction';
import { users, type User } from '../db/schema';
import { Forbidden, TooManyRequests, Unauthorized, ValidationFailed } from '../errors';
import { channels } from '../events/bus';
import type { Runtime } from '../runtime';
import { hashPassword, verifyAgainstDummy, verifyPassword } from './password';
import {
	createSession,
	generateSessionToken,
	invalidateSession,
	invalidateUserSessions,
	sessionIdOf,
	type SessionUser
} from './session';
import { checkLoginThrottle, recordLoginAttempt } from './throttle';

export interface IssuedSession {
	token: string;
	expiresAt: Date;
	user: SessionUser;
}

const toSessionUser = (u: User): SessionUser => ({ id: u.id, email: u.email, name: u.name, role: u.role });

/** True while no account exists yet (first-run setup is open). */
export async function isFirstRun(rt: Pick<Runtime, 'db'>): Promise<boolean> {
	const [row] = await rt.db.select({ n: count() }).from(users);
	return row.n === 0;
}

/**
 * Creates the first account, as super_admin, and signs it in. Refused once any user exists:
 * from then on admins create accounts.
 */
export async function registerFirstUser(rt: Runtime, input: RegisterInput, actor: Actor): Promise<IssuedSession> {
	const passwordHash = await hashPassword(input.password);
	const token = generateSessionToken();
	return inTransaction(rt.db, async (tx) => {
		// Serialise concurrent first-run attempts: only one can see an empty table.
		await tx.execute(sql`select pg_advisory_xact_lock(727275)`);
		const [existing] = await tx.select({ n: count() }).from(users);
		if (existing.n > 0) {
			throw new Forbidden('Registration is closed: ask an admin to create your account');
		}
		const [user] = await tx
			.insert(users)
			.values({ email: input.email, name: input.name, passwordHash, role: 'super_admin' })
			.returning();
		const session = await createSession(tx, token, user.id, actor);
		await recordAudit(
			tx,
			{ ...actor, userId: user.id, role: user.role },
			{
				action: 'user.registered',
				entityType: 'user',
				entityId: user.id,
				after: auditSnapshot(user)
			}
		);
		return { token, expiresAt: session.expiresAt, user: toSessionUser(user) };
	});
}

/**
 * Signs in with e-mail and password. Unknown e-mail and wrong password give the same answer
 * (and take the same time); 5 failures per e-mail or per address in 15 minutes → 429.
 */
export async function login(rt: Runtime, input: LoginInput, actor: Actor): Promise<IssuedSession> {
	const ip = actor.ip ?? 'unknown';
	const throttle = await checkLoginThrottle(rt.db, input.email, ip);
	if (throttle.blocked) {
		throw new TooManyRequests('Too many failed sign-in attempts. Try again later.', throttle.retryAfterSeconds);
	}
	const [user] = await rt.db
		.select()
		.from(users)
		.where(and(eq(users.email, input.email), isNull(users.deletedAt)));
	const valid = user
		? await verifyPassword(user.passwordHash, input.password)
		: await verifyAgainstDummy(input.password);
	if (!user || !valid || !user.isActive) {
		await recordLoginAttempt(rt.db, input.email, ip, false);
		throw new Unauthorized('Invalid e-mail or password');
	}
	const token = generateSessionToken();
	return inTransaction(rt.db, async (tx) => {
		const session = await createSession(tx, token, user.id, actor);
		await tx.update(users).set({ lastLoginAt: new Date() }).where(eq(users.id, user.id));
		await recordLoginAttempt(tx, input.email, ip, true);
		await recordAudit(
			tx,
			{ ...actor, userId: user.id, role: user.role },
			{
				action: 'auth.login',
				entityType: 'user',
				entityId: user.id
			}
		);
		return { token, expiresAt: session.expiresAt, user: toSessionUser(user) };
	});
}

/** Ends the current session. */
export async function logout(rt: Runtime, sessionId: string, actor: Actor): Promise<void> {
	await inTransaction(rt.db, async (tx) => {
		await invalidateSession(tx, sessionId);
		if (actor.userId) {
			await recordAudit(tx, actor, { action: 'auth.logout', entityType: 'user', entityId: actor.userId });
		}
	});
	if (actor.userId) await rt.bus.publish(channels.auth, { type: 'session.ended', userId: actor.userId, sessionId });
}

/** Replaces the current session with a new token (rotation); the old token stops working. */
export async function refreshSession(
	rt: Runtime,
	currentToken: string,
	user: SessionUser,
	actor: Actor
): Promise<IssuedSession> {
	const token = generateSessionToken();
	const oldId = sessionIdOf(currentToken);
	const issued = await inTransaction(rt.db, async (tx) => {
		await invalidateSession(tx, oldId);
		const session = await createSession(tx, token, user.id, actor);
		await recordAudit(tx, actor, { action: 'auth.refresh', entityType: 'user', entityId: user.id });
		return { token, expiresAt: session.expiresAt, user };
	});
	await rt.bus.publish(channels.auth, { type: 'session.ended', userId: user.id, sessionId: oldId });
	return issued;
}

/**
 * Changes one's own password (the current one is checked, and wrong guesses count towards the
 * sign-in throttle) and ends every other session; this one continues with a new token.
 */
export async function changeOwnPassword(
	rt: Runtime,
	user: SessionUser,
	currentPassword: string,
	newPassword: string,
	actor: Actor
): Promise<IssuedSession> {
	const ip = actor.ip ?? 'unknown';
	const throttle = await checkLoginThrottle(rt.db, user.email, ip);
	if (throttle.blocked) {
		throw new TooManyRequests('Too many wrong passwords. Try again later.', throttle.retryAfterSeconds);
	}
	const [row] = await rt.db.select().from(users).where(eq(users.id, user.id));
	if (!row || !(await verifyPassword(row.passwordHash, currentPassword))) {
		await recordLoginAttempt(rt.db, user.email, ip, false);
		throw new ValidationFailed([{ field: 'current_password', message: 'The current password is wrong' }]);
	}
	const passwordHash = await hashPassword(newPassword);
	const token = generateSessionToken();
	const issued = await inTransaction(rt.db, async (tx) => {
		const [after] = await tx
			.update(users)
			.set({ passwordHash, passwordChangedAt: new Date(), version: row.version + 1 })
			.where(eq(users.id, user.id))
			.returning();
		await invalidateUserSessions(tx, user.id);
		const session = await createSession(tx, token, user.id, actor);
		await recordAudit(tx, actor, {
			action: 'user.password_changed',
			entityType: 'user',
			entityId: user.id,
			before: auditSnapshot(row),
			after: auditSnapshot(after),
			metadata: { sessions_ended: true }
		});
		return { token, expiresAt: session.expiresAt, user };
	});
	await rt.bus.publish(channels.auth, { type: 'sessions.revoked', userId: user.id });
	return issued;
}
