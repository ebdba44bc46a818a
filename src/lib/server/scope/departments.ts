import { eq, inArray, or, sql, type SQL, type SQLWrapper } from 'drizzle-orm';
import { isAdminRole, type Relation } from '../../permissions';
import type { Actor } from '../actor';
import { selectRows, type Executor } from '../db/client';
import { requirements, userDepartments } from '../db/schema';

/**
 * Department visibility: which departments' records an actor sees by their role.
 *
 * An admin assigns a user to departments (`PATCH /api/v1/users/:id {department_ids}`). A
 * non-admin with at least one assignment works for those departments and every department under
 * them; what their role grants (a recruiter reading candidates, a viewer reading boards) holds
 * only for records of those departments. What they hold directly is not limited: a hiring
 * manager's own requirements, an interviewer's panels, an approver's approvals. A user with no
 * assignment works for the whole organisation, as do admins and the system.
 *
 * Every check of a department-bound record goes through `can()` with the relations of
 * `departmentRelations` added; every list adds `departmentCondition` (or its own equivalent
 * for records reached through a requirement). Nothing else decides it.
 */

/** The departments an actor works for, or null for the whole organisation. */
export type DepartmentScope = ReadonlySet<string> | null;

// One lookup per request (an Actor is built per request, and per live connection).
const scopes = new WeakMap<Actor, Promise<DepartmentScope>>();

export function departmentScope(db: Executor, actor: Actor): Promise<DepartmentScope> {
	if (!actor.userId || !actor.role || isAdminRole(actor.role) || actor.departmentScoped === false) {
		return Promise.resolve(null);
	}
	let scope = scopes.get(actor);
	if (!scope) {
		scope = loadDepartmentScope(db, actor.userId);
		scopes.set(actor, scope);
		scope.catch(() => scopes.delete(actor));
	}
	return scope;
}

/** Reads a user's scope from the database, ignoring any memo (the sync server re-checks with it). */
export async function loadDepartmentScope(db: Executor, userId: string): Promise<DepartmentScope> {
	// The assigned departments and everything under them; a deleted department's records stay
	// with it (they are still under the same tree), so deleted ones are walked too. No row: no
	// assignment, the whole organisation.
	const rows = await selectRows<{ id: string }>(
		db,
		sql`with recursive tree as (
			select department_id as id from user_departments where user_id = ${userId}
			union
			select d.id from departments d join tree t on d.parent_id = t.id
		) select id from tree`
	);
	return rows.length === 0 ? null : new Set(rows.map((r) => r.id));
}

/** Is a record of this department outside the scope? */
export function isOutsideScope(scope: DepartmentScope, departmentId: string | null | undefined): boolean {
	if (scope === null) return false;
	return !departmentId || !scope.has(departmentId);
}

/** The relation to add to a `can()` check of a record of this department. */
export function departmentRelations(scope: DepartmentScope, departmentId: string | null | undefined): Relation[] {
	return isOutsideScope(scope, departmentId) ? ['outside_departments'] : [];
}

/**
 * A list filter: rows whose department column is in the scope, or undefined for the whole
 * organisation (drizzle's `and()` drops it). An empty scope matches nothing.
 */
export function departmentCondition(scope: DepartmentScope, column: SQLWrapper): SQL | undefined {
	if (scope === null) return undefined;
	if (scope.size === 0) return sql`false`;
	return inArray(column, [...scope]);
}

/** The department ids assigned to a user (not the departments under them). */
export async function assignedDepartments(db: Executor, userId: string): Promise<string[]> {
	const rows = await db
		.select({ id: userDepartments.departmentId })
		.from(userDepartments)
		.where(eq(userDepartments.userId, userId));
	return rows.map((r) => r.id).sort();
}

/**
 * A list filter over `requirements`: those the actor sees — in the scope, or theirs as hiring
 * manager or creator. Undefined for the whole organisation. Records reached through a
 * requirement (applications, boards, interviews, offers) use it on the joined requirement.
 */
export function requirementScopeCondition(scope: DepartmentScope, actor: Actor): SQL | undefined {
	const inScope = departmentCondition(scope, requirements.departmentId);
	if (!inScope || !actor.userId) return inScope;
	return or(inScope, eq(requirements.hiringManagerId, actor.userId), eq(requirements.createdBy, actor.userId));
}
