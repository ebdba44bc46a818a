import { and, eq, inArray, isNull, sql, type SQL } from 'drizzle-orm';
import type { Actor } from '../actor';
import type { Executor } from '../db/client';
import { activityEvents, applications, candidates, interviewPanelists, interviews, requirements } from '../db/schema';
import { departmentScope, requirementScopeCondition, type DepartmentScope } from '../scope/departments';
import { Forbidden } from '../errors';

/**
 * Which candidates a department-scoped user sees (the rule of `scope/departments.ts` applied to
 * candidates, who belong to no department themselves):
 *
 * - a candidate with a live application to a requirement the user sees (`requirementScopeCondition`:
 *   in their departments, or theirs as hiring manager or creator);
 * - a candidate with no live application at all — the general talent pool is everyone's (a merge
 *   tombstone is not in the pool: it is seen through its survivor);
 * - a candidate one of whose interviews the user sits on the panel of.
 *
 * Every candidate read goes through these conditions: the list, the full-text search, the counts,
 * the CSV export, duplicate answers, merge, the single-record check (`assertCanReadCandidate`), the
 * activity feed, the offline kit and the assistant. Users with no department, admins and the
 * system see every candidate (the conditions are `undefined`, which drizzle's `and()` drops).
 */

/** The SQL condition over `candidates` for this actor and scope, or undefined for everyone. */
export function candidateVisibilityCondition(scope: DepartmentScope, actor: Actor): SQL | undefined {
	const requirementSeen = requirementScopeCondition(scope, actor);
	if (!requirementSeen) return undefined;
	const liveApplication = and(eq(applications.candidateId, candidates.id), isNull(applications.deletedAt));
	const conditions: SQL[] = [
		sql`exists (select 1 from ${applications} inner join ${requirements} on ${requirements.id} = ${applications.requirementId} where ${liveApplication} and ${requirementSeen})`,
		sql`(${candidates.mergedIntoId} is null and not exists (select 1 from ${applications} where ${liveApplication}))`
	];
	if (actor.userId) {
		conditions.push(
			sql`exists (select 1 from ${interviewPanelists} inner join ${interviews} on ${interviews.id} = ${interviewPanelists.interviewId} inner join ${applications} on ${applications.id} = ${interviews.applicationId} where ${liveApplication} and ${interviewPanelists.userId} = ${actor.userId})`
		);
	}
	return sql`(${sql.join(conditions, sql` or `)})`;
}

/** The candidate condition for this actor (loads their scope, memoised per request). */
export async function candidateVisibility(db: Executor, actor: Actor): Promise<SQL | undefined> {
	return candidateVisibilityCondition(await departmentScope(db, actor), actor);
}

/**
 * A short key naming what the actor sees of the candidates, for caches of candidate queries:
 * everyone with the whole organisation shares `all`; a scoped user's key holds their id (their
 * own requirements and panels count) and their departments.
 */
export function candidateVisibilityKey(actor: Actor, scope: DepartmentScope): string {
	if (scope === null) return 'all';
	return `user:${actor.userId ?? '-'}:${[...scope].sort().join(',')}`;
}

/** Of these candidate ids, the ones the actor sees (all of them for an unscoped actor). */
export async function visibleCandidateIds(db: Executor, actor: Actor, ids: readonly string[]): Promise<Set<string>> {
	if (ids.length === 0) return new Set();
	const condition = await candidateVisibility(db, actor);
	if (!condition) return new Set(ids);
	const rows = await db
		.select({ id: candidates.id })
		.from(candidates)
		.where(and(inArray(candidates.id, [...new Set(ids)]), condition));
	return new Set(rows.map((r) => r.id));
}

/** Whether the actor sees this candidate (a missing one is not seen). */
export async function candidateInScope(db: Executor, actor: Actor, candidateId: string): Promise<boolean> {
	return (await visibleCandidateIds(db, actor, [candidateId])).has(candidateId);
}

/**
 * The condition over `applications` (joined with `requirements`) for what a candidate's profile
 * lists: the applications to requirements the actor sees, and those whose interviews they sit on
 * the panel of. Undefined for everyone.
 */
export function applicationVisibilityCondition(scope: DepartmentScope, actor: Actor): SQL | undefined {
	const requirementSeen = requirementScopeCondition(scope, actor);
	if (!requirementSeen || !actor.userId) return requirementSeen;
	return sql`(${requirementSeen} or exists (select 1 from ${interviewPanelists} inner join ${interviews} on ${interviews.id} = ${interviewPanelists.interviewId} where ${interviews.applicationId} = ${applications.id} and ${interviewPanelists.userId} = ${actor.userId}))`;
}

/** Of these requirement ids, the ones the actor sees through `requirementScopeCondition`. */
export async function visibleRequirementIds(db: Executor, actor: Actor, ids: readonly string[]): Promise<Set<string>> {
	if (ids.length === 0) return new Set();
	const condition = requirementScopeCondition(await departmentScope(db, actor), actor);
	if (!condition) return new Set(ids);
	const rows = await db
		.select({ id: requirements.id })
		.from(requirements)
		.where(and(inArray(requirements.id, [...new Set(ids)]), condition));
	return new Set(rows.map((r) => r.id));
}

/** Whether the actor sees this requirement's records (a missing one is not seen). */
export async function requirementInScope(db: Executor, actor: Actor, requirementId: string): Promise<boolean> {
	return (await visibleRequirementIds(db, actor, [requirementId])).has(requirementId);
}

/**
 * The condition over `activity_events` for the feed: an event about a requirement only when the
 * actor sees the requirement, about a candidate only when they see the candidate. Undefined for
 * everyone.
 */
export function activityVisibilityCondition(scope: DepartmentScope, actor: Actor): SQL | undefined {
	const requirementSeen = requirementScopeCondition(scope, actor);
	const candidateSeen = candidateVisibilityCondition(scope, actor);
	if (!requirementSeen || !candidateSeen) return undefined;
	return and(
		sql`(${activityEvents.requirementId} is null or exists (select 1 from ${requirements} where ${requirements.id} = ${activityEvents.requirementId} and ${requirementSeen}))`,
		sql`(${activityEvents.candidateId} is null or exists (select 1 from ${candidates} where ${candidates.id} = ${activityEvents.candidateId} and ${candidateSeen}))`
	);
}

/**
 * Refuses (403, like any record the caller may not read, whether it exists or not) a
 * requirement outside the actor's departments: for the reads and jobs bound to a requirement
 * (screening, market research, salary benchmark, sourcing, imports).
 */
export async function assertRequirementInScope(db: Executor, actor: Actor, requirementId: string): Promise<void> {
	if (!(await requirementInScope(db, actor, requirementId))) throw new Forbidden();
}
