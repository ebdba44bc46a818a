import { and, eq, or, sql, type SQL } from 'drizzle-orm';
import type { Relation } from '../../permissions';
import type { Actor } from '../actor';
import type { Executor } from '../db/client';
import { approvals, requirements, type Requirement } from '../db/schema';
import { NotFound } from '../errors';
import {
	departmentRelations,
	departmentScope,
	isOutsideScope,
	requirementScopeCondition,
	type DepartmentScope
} from '../scope/departments';

/**
 * Department visibility of requirements and of everything reached through one (its description,
 * board, applications, interviews, offers). See `src/lib/server/scope/departments.ts` for the
 * rule: a scoped user's role reaches only the requirements of their departments; their own (as
 * hiring manager or creator) and those they hold an approval on stay theirs.
 */

type ScopedFields = Pick<Requirement, 'departmentId' | 'hiringManagerId' | 'createdBy'>;

function owns(actor: Actor, r: Pick<Requirement, 'hiringManagerId' | 'createdBy'>): boolean {
	return !!actor.userId && (r.hiringManagerId === actor.userId || r.createdBy === actor.userId);
}

/**
 * The relations to pass to `can()` for a requirement (or a record reached through it): `owner`
 * when it is the actor's own, `outside_departments` when it is not and lies outside their scope.
 */
export function scopedRelationsTo(actor: Actor, r: ScopedFields, scope: DepartmentScope): Relation[] {
	if (owns(actor, r)) return ['owner'];
	return departmentRelations(scope, r.departmentId);
}

/** Does the actor hold (or did they hold) an approval on this subject? A direct relation. */
export async function holdsApproval(
	db: Executor,
	actor: Actor,
	subjectType: 'requirement' | 'offer',
	subjectId: string
): Promise<boolean> {
	if (!actor.userId) return false;
	const [row] = await db
		.select({ id: approvals.id })
		.from(approvals)
		.where(
			and(
				eq(approvals.subjectType, subjectType),
				eq(approvals.subjectId, subjectId),
				eq(approvals.approverId, actor.userId)
			)
		)
		.limit(1);
	return !!row;
}

/**
 * May the actor see this requirement at all: in their scope, their own, or one they hold an
 * approval on.
 */
export async function seesRequirement(
	db: Executor,
	actor: Actor,
	r: ScopedFields & { id: string },
	scope?: DepartmentScope
): Promise<boolean> {
	const s = scope === undefined ? await departmentScope(db, actor) : scope;
	if (!isOutsideScope(s, r.departmentId) || owns(actor, r)) return true;
	return holdsApproval(db, actor, 'requirement', r.id);
}

/** 404 (as for a missing one) when the actor may not see the requirement; its relations otherwise. */
export async function assertSeesRequirement(
	db: Executor,
	actor: Actor,
	r: ScopedFields & { id: string }
): Promise<Relation[]> {
	const scope = await departmentScope(db, actor);
	if (!(await seesRequirement(db, actor, r, scope))) throw new NotFound('Requirement');
	return scopedRelationsTo(actor, r, scope);
}

/**
 * A list filter over `requirements` (joined or not): the ones the actor sees. Undefined for the
 * whole organisation.
 */
export function visibleRequirementCondition(scope: DepartmentScope, actor: Actor): SQL | undefined {
	const mine = requirementScopeCondition(scope, actor);
	if (!mine || !actor.userId) return mine;
	const approving = sql`exists (select 1 from ${approvals} where ${approvals.subjectType} = 'requirement' and ${approvals.subjectId} = ${requirements.id} and ${approvals.approverId} = ${actor.userId})`;
	return or(mine, approving);
}
