import { and, eq, isNull } from 'drizzle-orm';
import { can, type Relation } from '../../permissions';
import { subjectOf, type Actor } from '../actor';
import type { Executor } from '../db/client';
import { applications, interviewPanelists, interviews } from '../db/schema';
import { Forbidden } from '../errors';
import { departmentScope } from '../scope/departments';
import { candidateInScope } from './visibility';

/**
 * The actor's relations to a candidate: `panelist` when they sit on the panel of an interview of
 * one of the candidate's applications (an interviewer reads the profile and the CV of the people
 * they interview, and no one else's).
 */
export async function candidateRelations(db: Executor, actor: Actor, candidateId: string): Promise<Relation[]> {
	if (!actor.userId) return [];
	const [panel] = await db
		.select({ id: interviews.id })
		.from(interviewPanelists)
		.innerJoin(interviews, eq(interviews.id, interviewPanelists.interviewId))
		.innerJoin(applications, eq(applications.id, interviews.applicationId))
		.where(
			and(
				eq(interviewPanelists.userId, actor.userId),
				eq(applications.candidateId, candidateId),
				isNull(applications.deletedAt)
			)
		)
		.limit(1);
	return panel ? ['panelist'] : [];
}

/**
 * `outside_departments` when the actor works for some departments and the candidate is not theirs
 * to see (see `visibility.ts`): their role then grants nothing on the candidate.
 */
export async function candidateScopeRelations(db: Executor, actor: Actor, candidateId: string): Promise<Relation[]> {
	if ((await departmentScope(db, actor)) === null) return [];
	return (await candidateInScope(db, actor, candidateId)) ? [] : ['outside_departments'];
}

/**
 * Refuses unless the actor may read this candidate: by role (within their departments), or as a
 * panelist of one of their interviews. A candidate outside the actor's departments is refused
 * like any other candidate they may not read (403), whether it exists or not.
 */
export async function assertCanReadCandidate(db: Executor, actor: Actor, candidateId: string): Promise<void> {
	const subject = subjectOf(actor);
	const scoped = await candidateScopeRelations(db, actor, candidateId);
	if (can(subject, 'read', 'candidate', scoped)) return;
	if (can(subject, 'read', 'candidate', [...scoped, ...(await candidateRelations(db, actor, candidateId))])) return;
	throw new Forbidden();
}

/**
 * Refuses a change to a candidate outside the actor's departments (the role check of the change
 * itself stays with its service): a recruiter of one department does not edit, merge, annotate
 * or upload to the candidates of another.
 */
export async function assertCandidateInScope(db: Executor, actor: Actor, candidateId: string): Promise<void> {
	if ((await candidateScopeRelations(db, actor, candidateId)).length > 0) throw new Forbidden();
}
