import { and, eq, isNull } from 'drizzle-orm';
import { can, type Relation } from '../../permissions';
import { subjectOf, type Actor } from '../actor';
import type { Executor } from '../db/client';
import { applications, interviewPanelists, interviews } from '../db/schema';
import { Forbidden } from '../errors';

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

/** Refuses unless the actor may read this candidate: by role, or as a panelist of one of their interviews. */
export async function assertCanReadCandidate(db: Executor, actor: Actor, candidateId: string): Promise<void> {
	const subject = subjectOf(actor);
	if (can(subject, 'read', 'candidate')) return;
	if (can(subject, 'read', 'candidate', await candidateRelations(db, actor, candidateId))) return;
	throw new Forbidden();
}
