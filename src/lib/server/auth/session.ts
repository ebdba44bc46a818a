import { sha256 } from '@oslojs/crypto/sha2';
import { encodeBase32LowerCaseNoPadding, encodeHexLowerCase } from '@oslojs/encoding';
import { and, eq, isNull, lt, sql } from 'drizzle-orm';
import type { Executor } from '../db/client';
import { sessions, userDepartments, users, type Session, type User } from '../db/schema';

/** Sessions last 30 days and slide: used within the last 15 days, they are extended. */
export const SESSION_LIFETIME_MS = 30 * 24 * 60 * 60 * 1000;
export const SESSION_RENEW_WITHIN_MS = 15 * 24 * 60 * 60 * 1000;
export const SESSION_COOKIE = 'hh_session';

/** What the rest of the code knows about the signed-in user. */
export interface SessionUser {
	id: string;
	email: string;
	name: string;
	role: User['role'];
}

export interface ValidSession {
	session: Session;
	user: SessionUser;
	/** Whether the user is assigned to departments (read with the session: no query of its own). */
	departmentScoped: boolean;
	/** True when the expiry moved: the cookie must be set again. */
	renewed: boolean;
}

/** A new random session token (160 bits, base32). Only its hash is stored. */
export function generateSessionToken(): string {
	const bytes = new Uint8Array(20);
	crypto.getRandomValues(bytes);
	return encodeBase32LowerCaseNoPadding(bytes);
}

/** The stored id of a token: hex SHA-256. */
export function sessionIdOf(token: string): string {
	return encodeHexLowerCase(sha256(new TextEncoder().encode(token)));
}

/** Creates the session row for `token`. */
export async function createSession(
	db: Executor,
	token: string,
	userId: string,
	meta: { ip?: string | null; userAgent?: string | null } = {}
): Promise<Session> {
	const [row] = await db
		.insert(sessions)
		.values({
			id: sessionIdOf(token),
			userId,
			expiresAt: new Date(Date.now() + SESSION_LIFETIME_MS),
			ip: meta.ip && isIp(meta.ip) ? meta.ip : null,
			userAgent: meta.userAgent?.slice(0, 500) ?? null
		})
		.returning();
	return row;
}

function prepareSessionLookup(db: Executor) {
	return db
		.select({
			session: sessions,
			user: { id: users.id, email: users.email, name: users.name, role: users.role, isActive: users.isActive },
			departmentScoped: sql<boolean>`exists (select 1 from ${userDepartments} where ${userDepartments.userId} = ${users.id})`
		})
		.from(sessions)
		.innerJoin(users, and(eq(users.id, sessions.userId), isNull(users.deletedAt)))
		.where(eq(sessions.id, sql.placeholder('id')))
		.limit(1)
		.prepare('validate_session');
}

// Every request and live connection runs this lookup: built once per database, not per call
// (drizzle's query building cost more CPU than the query itself; on Postgres it is also a named
// prepared statement, parsed and planned once per connection).
const sessionLookups = new WeakMap<Executor, ReturnType<typeof prepareSessionLookup>>();

function sessionLookup(db: Executor) {
	let lookup = sessionLookups.get(db);
	if (!lookup) sessionLookups.set(db, (lookup = prepareSessionLookup(db)));
	return lookup;
}

/**
 * Checks a token: unknown, expired, or belonging to an inactive/deleted user → null.
 * Extends the session when it is past half its life (sliding expiry).
 */
export async function validateSessionToken(db: Executor, token: string): Promise<ValidSession | null> {
	if (!/^[a-z2-7]{32}$/.test(token)) return null;
	const id = sessionIdOf(token);
	const [row] = await sessionLookup(db).execute({ id });
	if (!row) return null;
	const now = Date.now();
	if (row.session.expiresAt.getTime() <= now || !row.user.isActive) {
		await db.delete(sessions).where(eq(sessions.id, id));
		return null;
	}
	let renewed = false;
	let session = row.session;
	if (session.expiresAt.getTime() - now < SESSION_RENEW_WITHIN_MS) {
		const expiresAt = new Date(now + SESSION_LIFETIME_MS);
		await db.update(sessions).set({ expiresAt }).where(eq(sessions.id, id));
		session = { ...session, expiresAt };
		renewed = true;
	}
	const { isActive: _active, ...user } = row.user;
	return { session, user, renewed, departmentScoped: row.departmentScoped };
}

/** Ends one session. */
export async function invalidateSession(db: Executor, sessionId: string): Promise<void> {
	await db.delete(sessions).where(eq(sessions.id, sessionId));
}

/** Ends every session of a user (password, role change, deactivation). Returns how many. */
export async function invalidateUserSessions(db: Executor, userId: string): Promise<number> {
	const removed = await db.delete(sessions).where(eq(sessions.userId, userId)).returning({ id: sessions.id });
	return removed.length;
}

/** Removes expired sessions (housekeeping). */
export async function deleteExpiredSessions(db: Executor): Promise<void> {
	await db.delete(sessions).where(lt(sessions.expiresAt, new Date()));
}

function isIp(value: string): boolean {
	return /^[0-9a-f.:]+$/i.test(value) && value.length <= 45;
}
