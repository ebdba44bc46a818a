import { and, desc, eq, lt, type SQL } from 'drizzle-orm';
import { can } from '../../permissions';
import { subjectOf, type Actor } from '../actor';
import type { Executor } from '../db/client';
import type { AfterCommit } from '../db/transaction';
import { activityEvents, candidates, requirements, users, type ActivityEvent } from '../db/schema';
import { Forbidden } from '../errors';
import type { Runtime } from '../runtime';
import { activityVisibilityCondition } from '../candidates/visibility';
import { departmentScope } from '../scope/departments';

export const ACTIVITY_CHANNEL = 'activity';

export type ActivityType =
	'candidate.added' | 'stage.moved' | 'document.uploaded' | 'note.added' | 'candidate.merged' | 'candidate.updated';

export interface NewActivity {
	type: ActivityType;
	candidateId?: string | null;
	requirementId?: string | null;
	applicationId?: string | null;
	data?: Record<string, unknown>;
}

/** Records an activity event in the caller's transaction; after COMMIT it goes out live. */
export async function recordActivity(
	tx: Executor,
	rt: Runtime,
	afterCommit: AfterCommit,
	actor: Actor,
	event: NewActivity
): Promise<ActivityEvent> {
	const [row] = await recordActivities(tx, rt, afterCommit, actor, [event]);
	return row;
}

/** Several activity events in one statement (a set-based import), each announced after COMMIT. */
export async function recordActivities(
	tx: Executor,
	rt: Runtime,
	afterCommit: AfterCommit,
	actor: Actor,
	events: NewActivity[]
): Promise<ActivityEvent[]> {
	if (events.length === 0) return [];
	const rows = await tx
		.insert(activityEvents)
		.values(events.map((event) => activityRow(actor, event)))
		.returning();
	for (const row of rows) announceActivity(rt, afterCommit, row);
	return rows;
}

/** The row `recordActivity` writes (for callers that fold the insert into a larger statement). */
export function activityRow(actor: Actor, event: NewActivity): Omit<ActivityEvent, 'id' | 'createdAt'> {
	return {
		type: event.type,
		actorId: actor.userId,
		candidateId: event.candidateId ?? null,
		requirementId: event.requirementId ?? null,
		applicationId: event.applicationId ?? null,
		data: { ...(event.data ?? {}), ...(actor.name ? { actor_name: actor.name } : {}) }
	};
}

/** After COMMIT, sends a stored activity event out live (the feeds' streams). */
export function announceActivity(rt: Runtime, afterCommit: AfterCommit, row: ActivityEvent): void {
	afterCommit(() => rt.bus.publish(ACTIVITY_CHANNEL, { type: 'activity', event: row }));
}

/** Whether `actor` may see an activity event (the same rule as the records it is about). */
export function canSeeActivity(actor: Actor, _event: Pick<ActivityEvent, 'requirementId' | 'candidateId'>): boolean {
	const subject = subjectOf(actor);
	return can(subject, 'list', 'activity') && can(subject, 'read', 'candidate');
}

export interface ActivityFilter {
	requirementId?: string;
	candidateId?: string;
	before?: Date;
	limit: number;
}

/** The feed, newest first, for the requirements and candidates the caller can see. */
export async function listActivity(rt: Runtime, actor: Actor, filter: ActivityFilter) {
	if (!canSeeActivity(actor, { requirementId: null, candidateId: null })) throw new Forbidden();
	const conditions: SQL[] = [];
	if (filter.requirementId) conditions.push(eq(activityEvents.requirementId, filter.requirementId));
	if (filter.candidateId) conditions.push(eq(activityEvents.candidateId, filter.candidateId));
	if (filter.before) conditions.push(lt(activityEvents.createdAt, filter.before));
	// A user of some departments: only events about the requirements and candidates they see.
	const visibility = activityVisibilityCondition(await departmentScope(rt.db, actor), actor);
	if (visibility) conditions.push(visibility);
	const rows = await rt.db
		.select({
			e: activityEvents,
			actorName: users.name,
			candidateName: candidates.name,
			requirementTitle: requirements.title
		})
		.from(activityEvents)
		.leftJoin(users, eq(users.id, activityEvents.actorId))
		.leftJoin(candidates, eq(candidates.id, activityEvents.candidateId))
		.leftJoin(requirements, eq(requirements.id, activityEvents.requirementId))
		.where(conditions.length ? and(...conditions) : undefined)
		.orderBy(desc(activityEvents.createdAt), desc(activityEvents.id))
		.limit(filter.limit);
	return rows.map((r) => ({
		...r.e,
		actorName: r.actorName,
		candidateName: r.candidateName,
		requirementTitle: r.requirementTitle
	}));
}

/**
 * Whether a live event is about records `actor` sees (departments): the same condition as the
 * list, asked of the stored event. True without a query for users who see everything.
 */
export async function activityInScope(db: Executor, actor: Actor, event: Pick<ActivityEvent, 'id'>): Promise<boolean> {
	const visibility = activityVisibilityCondition(await departmentScope(db, actor), actor);
	if (!visibility) return true;
	const [row] = await db
		.select({ id: activityEvents.id })
		.from(activityEvents)
		.where(and(eq(activityEvents.id, event.id), visibility));
	return row !== undefined;
}

const described = new WeakMap<ActivityEvent, ReturnType<typeof describeActivity>>();

/**
 * `describeActivity` once per published event, however many live streams are open: every
 * subscriber of a process receives the same event object.
 */
export function describeActivityShared(db: Executor, event: ActivityEvent) {
	let promise = described.get(event);
	if (!promise) described.set(event, (promise = describeActivity(db, event)));
	return promise;
}

/** Fills in the names of a live event (the stream sends what the list would show). */
export async function describeActivity(db: Executor, event: ActivityEvent) {
	const [row] = await db
		.select({ actorName: users.name, candidateName: candidates.name, requirementTitle: requirements.title })
		.from(activityEvents)
		.leftJoin(users, eq(users.id, activityEvents.actorId))
		.leftJoin(candidates, eq(candidates.id, activityEvents.candidateId))
		.leftJoin(requirements, eq(requirements.id, activityEvents.requirementId))
		.where(eq(activityEvents.id, event.id));
	return { ...event, ...(row ?? { actorName: null, candidateName: null, requirementTitle: null }) };
}
