import { and, asc, count, eq, ilike, inArray, isNull, or, sql, type SQL } from 'drizzle-orm';
import type { CreateUserInput, UpdateUserInput } from '../../schemas/users';
import { assignableRoles, can } from '../../permissions';
import type { Role } from '../../roles';
import { subjectOf, type Actor } from '../actor';
import { auditSnapshot, recordAudit } from '../audit/audit';
import { hashPassword } from '../auth/password';
import { invalidateUserSessions } from '../auth/session';
import type { Executor, Transaction } from '../db/client';
import { inTransaction } from '../db/transaction';
import { departments, userDepartments, users, type User } from '../db/schema';
import { Conflict, Forbidden, NotFound, Unauthorized, ValidationFailed, type FieldIssue } from '../errors';
import type { Page } from '../http/envelope';
import { opaque } from '../http/serialize';
import { channels } from '../events/bus';
import type { Runtime } from '../runtime';
import { sendWelcomeEmail } from '$worker/jobs/send-email';

/**
 * A user as the API shows it: never the password hash. `departmentIds` are the departments they
 * work for (empty: the whole organisation).
 */
export function publicUser(u: User, departmentIds: readonly string[] = []) {
	return {
		id: u.id,
		email: u.email,
		name: u.name,
		role: u.role,
		isActive: u.isActive,
		departmentIds: [...departmentIds],
		version: u.version,
		emailPreferences: u.emailPreferences,
		lastLoginAt: u.lastLoginAt,
		createdAt: u.createdAt,
		updatedAt: u.updatedAt
	};
}
export type PublicUser = ReturnType<typeof publicUser>;

/** A user for the JSON API: the e-mail preference map keeps the keys the client gave it. */
export function apiUser(u: PublicUser) {
	return { ...u, emailPreferences: opaque(u.emailPreferences) };
}

/** The departments assigned to each of these users (sorted ids; users without any are absent). */
export async function departmentIdsOf(db: Executor, userIds: readonly string[]): Promise<Map<string, string[]>> {
	const byUser = new Map<string, string[]>();
	if (userIds.length === 0) return byUser;
	const rows = await db
		.select({ userId: userDepartments.userId, departmentId: userDepartments.departmentId })
		.from(userDepartments)
		.where(inArray(userDepartments.userId, [...userIds]))
		.orderBy(asc(userDepartments.departmentId));
	for (const row of rows) {
		const list = byUser.get(row.userId) ?? [];
		list.push(row.departmentId);
		byUser.set(row.userId, list);
	}
	return byUser;
}

/** Every id must name an existing, non-deleted department: 422 naming each one that does not. */
async function assertDepartments(tx: Executor, ids: readonly string[]): Promise<void> {
	if (ids.length === 0) return;
	const found = await tx
		.select({ id: departments.id })
		.from(departments)
		.where(and(inArray(departments.id, [...ids]), isNull(departments.deletedAt)));
	const known = new Set(found.map((d) => d.id));
	const issues: FieldIssue[] = ids.flatMap((id, i) =>
		known.has(id) ? [] : [{ field: `department_ids.${i}`, message: 'No such department' }]
	);
	if (issues.length) throw new ValidationFailed(issues);
}

/**
 * Replaces the departments a user works for, with its audit row, in the caller's transaction.
 * Returns the new set, or null when it did not change.
 */
async function replaceDepartments(
	tx: Transaction,
	actor: Actor,
	userId: string,
	before: readonly string[],
	wanted: readonly string[]
): Promise<string[] | null> {
	const after = [...new Set(wanted)].sort();
	if (after.length === before.length && after.every((id, i) => id === before[i])) return null;
	await assertDepartments(tx, wanted);
	await tx.delete(userDepartments).where(eq(userDepartments.userId, userId));
	if (after.length) await tx.insert(userDepartments).values(after.map((departmentId) => ({ userId, departmentId })));
	await recordAudit(tx, actor, {
		action: 'user.departments_changed',
		entityType: 'user',
		entityId: userId,
		before: { department_ids: [...before] },
		after: { department_ids: after }
	});
	return after;
}

/**
 * Tells the sync servers that a user's access changed without their sessions ending: their live
 * connections are closed, and the providers reconnect and are authorised afresh.
 */
async function announceAccessChange(rt: Runtime, userId: string): Promise<void> {
	await rt.bus.publish(channels.auth, { type: 'access.changed', userId });
}

function requireManage(actor: Actor) {
	if (!can(subjectOf(actor), 'manage', 'user')) throw new Forbidden('Only admins manage users');
}

export interface ListUsersFilter {
	page: number;
	pageSize: number;
	q?: string;
	role?: Role;
	active?: boolean;
}

/** An entry of the people directory: enough to pick someone for a panel, nothing more. */
export interface DirectoryEntry {
	id: string;
	name: string;
	email: string;
	role: Role;
}

/**
 * The active people of the workspace, by name, for those who assemble interview panels
 * (recruiters, admins): names, e-mails and roles only — no login state, no dates.
 */
export async function userDirectory(rt: Runtime, actor: Actor): Promise<DirectoryEntry[]> {
	const subject = subjectOf(actor);
	if (!can(subject, 'list', 'user') && !can(subject, 'create', 'interview')) {
		throw new Forbidden('Only recruiters and admins see the people directory');
	}
	return rt.db
		.select({ id: users.id, name: users.name, email: users.email, role: users.role })
		.from(users)
		.where(and(isNull(users.deletedAt), eq(users.isActive, true)))
		.orderBy(asc(users.name), asc(users.id))
		.limit(2000);
}

/** Lists users for admins, newest first, filtered by text, role and active state. */
export async function listUsers(rt: Runtime, actor: Actor, filter: ListUsersFilter): Promise<Page<PublicUser>> {
	if (!can(subjectOf(actor), 'list', 'user')) throw new Forbidden('Only admins list users');
	const conditions: SQL[] = [isNull(users.deletedAt)];
	if (filter.q) {
		const pattern = `%${filter.q.replace(/[\\%_]/g, (c) => '\\' + c)}%`;
		conditions.push(or(ilike(users.name, pattern), ilike(users.email, pattern)) as SQL);
	}
	if (filter.role) conditions.push(eq(users.role, filter.role));
	if (filter.active !== undefined) conditions.push(eq(users.isActive, filter.active));
	const where = and(...conditions);
	const [{ total }] = await rt.db.select({ total: count() }).from(users).where(where);
	const rows = await rt.db
		.select()
		.from(users)
		.where(where)
		.orderBy(asc(users.name), asc(users.id))
		.limit(filter.pageSize)
		.offset((filter.page - 1) * filter.pageSize);
	const assigned = await departmentIdsOf(
		rt.db,
		rows.map((r) => r.id)
	);
	return {
		items: rows.map((r) => publicUser(r, assigned.get(r.id))),
		total,
		page: filter.page,
		pageSize: filter.pageSize
	};
}

/** One user: admins see anyone, everyone sees themselves. */
export async function getUser(rt: Runtime, actor: Actor, id: string): Promise<PublicUser> {
	const relations = actor.userId === id ? (['self'] as const) : [];
	if (!can(subjectOf(actor), 'read', 'user', relations)) throw new Forbidden();
	const [row] = await rt.db
		.select()
		.from(users)
		.where(and(eq(users.id, id), isNull(users.deletedAt)));
	if (!row) throw new NotFound('User');
	return publicUser(row, (await departmentIdsOf(rt.db, [row.id])).get(row.id));
}

/** Creates an account (admins only; only a super admin can create a super admin) and e-mails a welcome. */
export async function createUser(rt: Runtime, actor: Actor, input: CreateUserInput): Promise<PublicUser> {
	requireManage(actor);
	if (!assignableRoles(actor.role as Role).includes(input.role)) {
		throw new Forbidden(`An ${actor.role} cannot create a ${input.role}`);
	}
	const passwordHash = await hashPassword(input.password);
	return inTransaction(
		rt.db,
		async (tx, afterCommit) => {
			const [clash] = await tx
				.select({ id: users.id })
				.from(users)
				.where(and(eq(users.email, input.email), isNull(users.deletedAt)));
			if (clash) {
				throw new Conflict('A user with this e-mail already exists', 'EMAIL_TAKEN', undefined, [
					{ field: 'email', message: 'A user with this e-mail already exists' }
				]);
			}
			const [user] = await tx
				.insert(users)
				.values({ email: input.email, name: input.name, passwordHash, role: input.role })
				.returning();
			await recordAudit(tx, actor, {
				action: 'user.created',
				entityType: 'user',
				entityId: user.id,
				after: auditSnapshot(user)
			});
			const assigned = input.department_ids
				? await replaceDepartments(tx, actor, user.id, [], input.department_ids)
				: null;
			await sendWelcomeEmail(
				rt,
				{ userId: user.id, invitedById: actor.userId },
				{ tx, afterCommit, createdBy: actor.userId }
			);
			return publicUser(user, assigned ?? []);
		},
		(err) => rt.logger.error({ err }, 'after-commit work failed')
	);
}

/**
 * Changes a user's name, role, active state, password, departments or e-mail preferences. A role
 * change, deactivation or password reset ends their sessions (and so their live connections); a
 * change of departments closes their live connections, which reconnect with the new scope.
 * Nobody can remove the last active super admin. With `version`, a stale write gets 409.
 */
export async function updateUser(rt: Runtime, actor: Actor, id: string, input: UpdateUserInput): Promise<PublicUser> {
	const isSelf = actor.userId === id;
	if (isSelf && input.password !== undefined) {
		// Even an admin proves they know their own password first (a stolen session must not do it).
		throw new Forbidden('Change your own password with POST /api/v1/auth/password and your current password');
	}
	const adminFields =
		input.role !== undefined ||
		input.is_active !== undefined ||
		input.password !== undefined ||
		input.department_ids !== undefined;
	if (adminFields || !isSelf) requireManage(actor);
	const passwordHash = input.password ? await hashPassword(input.password) : undefined;
	let revoked = false;
	let departmentsChanged = false;
	const result = await inTransaction(rt.db, async (tx) => {
		// Changes of role or active state are serialised (see assertAnotherSuperAdmin) before any
		// row is locked, so two of them can never wait on each other.
		if (input.role !== undefined || input.is_active !== undefined) await lockSuperAdminChanges(tx);
		// The actor's authority as it is now, not as it was when their request was authenticated
		// (a concurrent change may just have demoted them).
		const actorRole = adminFields || !isSelf ? await currentRole(tx, actor) : actor.role;
		// NO KEY UPDATE: audit rows and sessions that merely reference this user do not wait for it.
		const [before] = await tx
			.select()
			.from(users)
			.where(and(eq(users.id, id), isNull(users.deletedAt)))
			.for('no key update');
		if (!before) throw new NotFound('User');
		if (input.version !== undefined && input.version !== before.version) {
			throw new Conflict(
				'This user was changed by someone else: reload and try again',
				'STALE_VERSION',
				publicUser(before)
			);
		}
		if (before.role === 'super_admin' && actorRole !== 'super_admin' && !isSelf) {
			throw new Forbidden('Only a super admin can change a super admin');
		}
		if (input.role && input.role !== before.role && !(actorRole && assignableRoles(actorRole).includes(input.role))) {
			throw new Forbidden(`An ${actorRole} cannot give the role ${input.role}`);
		}
		const losesSuperAdmin =
			before.role === 'super_admin' &&
			before.isActive &&
			((input.role !== undefined && input.role !== 'super_admin') || input.is_active === false);
		if (losesSuperAdmin) await assertAnotherSuperAdmin(tx, id);

		const changes: Partial<User> = {};
		if (input.name !== undefined && input.name !== before.name) changes.name = input.name;
		if (input.role !== undefined && input.role !== before.role) changes.role = input.role;
		if (input.is_active !== undefined && input.is_active !== before.isActive) changes.isActive = input.is_active;
		if (passwordHash) {
			changes.passwordHash = passwordHash;
			changes.passwordChangedAt = new Date();
		}
		if (input.email_preferences) changes.emailPreferences = { ...before.emailPreferences, ...input.email_preferences };
		const departmentsBefore = (await departmentIdsOf(tx, [id])).get(id) ?? [];
		const departmentsAfter =
			input.department_ids === undefined
				? null
				: await replaceDepartments(tx, actor, id, departmentsBefore, input.department_ids);
		departmentsChanged = departmentsAfter !== null;
		const assigned = departmentsAfter ?? departmentsBefore;
		if (Object.keys(changes).length === 0 && !departmentsChanged) return publicUser(before, assigned);

		const [after] = await tx
			.update(users)
			.set({ ...changes, version: before.version + 1 })
			.where(eq(users.id, id))
			.returning();
		// The departments' own audit row is written; the rest of the change gets its row below.
		if (Object.keys(changes).length === 0) return publicUser(after, assigned);
		const endsSessions = changes.role !== undefined || changes.isActive === false || passwordHash !== undefined;
		if (endsSessions) {
			await invalidateUserSessions(tx, id);
			revoked = true;
		}
		await recordAudit(tx, actor, {
			action: describeChange(changes),
			entityType: 'user',
			entityId: id,
			before: auditSnapshot(before),
			after: auditSnapshot(after),
			metadata: endsSessions ? { sessions_ended: true } : null
		});
		return publicUser(after, assigned);
	});
	if (revoked) await rt.bus.publish(channels.auth, { type: 'sessions.revoked', userId: id });
	else if (departmentsChanged) await announceAccessChange(rt, id);
	return result;
}

function describeChange(changes: Partial<User>): string {
	if (changes.role !== undefined) return 'user.role_changed';
	if (changes.isActive === false) return 'user.deactivated';
	if (changes.isActive === true) return 'user.reactivated';
	if (changes.passwordHash !== undefined) return 'user.password_reset';
	return 'user.updated';
}

/** Advisory lock key that serialises every change which could remove a super admin. */
const SUPER_ADMIN_LOCK = 727276;

async function lockSuperAdminChanges(tx: Transaction) {
	await tx.execute(sql`select pg_advisory_xact_lock(${SUPER_ADMIN_LOCK})`);
}

/** The acting user's role now; 401 if they were deactivated meanwhile, 403 if no longer an admin. */
async function currentRole(tx: Transaction, actor: Actor): Promise<Role> {
	if (!actor.userId) throw new Unauthorized();
	const [row] = await tx
		.select({ role: users.role, isActive: users.isActive })
		.from(users)
		.where(and(eq(users.id, actor.userId), isNull(users.deletedAt)));
	if (!row || !row.isActive) throw new Unauthorized();
	if (!can({ id: actor.userId, role: row.role }, 'manage', 'user')) throw new Forbidden('Only admins manage users');
	return row.role;
}

/**
 * Two admins demoting two different super admins at once must not both see "another one left".
 * The caller holds the super-admin lock, so each check sees what the other committed.
 */
async function assertAnotherSuperAdmin(tx: Transaction, exceptId: string) {
	const others = await tx
		.select({ id: users.id })
		.from(users)
		.where(
			and(
				eq(users.role, 'super_admin'),
				eq(users.isActive, true),
				isNull(users.deletedAt),
				sql`${users.id} <> ${exceptId}`
			)
		)
		.limit(1);
	if (others.length === 0) {
		throw new Conflict('Cannot remove the last active super admin', 'LAST_SUPER_ADMIN', undefined, [
			{ field: 'role', message: 'This is the last active super admin: promote someone else first' }
		]);
	}
}
