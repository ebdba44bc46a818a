import { and, eq, isNull, ne, notExists } from 'drizzle-orm';
import { can } from '$lib/permissions';
import type { Actor } from '$lib/server/actor';
import type { SessionUser } from '$lib/server/auth/session';
import { applications, interviewFeedback, interviewPanelists, interviews, requirements } from '$lib/server/db/schema';
import { scorecardVisibility } from '$lib/server/interviews/scorecards';
import { interviewRelations } from '$lib/server/interviews/service';
import { scopedRelationsTo } from '$lib/server/requirements/visibility';
import type { Runtime } from '$lib/server/runtime';
import { departmentScope } from '$lib/server/scope/departments';
import type { DocumentAccess } from '../authorize';

const actorOf = (user: SessionUser): Actor => ({ userId: user.id, role: user.role, name: user.name });

/**
 * `interview:<id>:notes`: the panel, recruiters and admins write; the rest of the team who may
 * read the candidate reads it only once the interview is completed.
 */
export async function interviewNotesAccess(
	rt: Runtime,
	user: SessionUser,
	ref: { interviewId: string }
): Promise<DocumentAccess> {
	const [interview] = await rt.db
		.select()
		.from(interviews)
		.where(and(eq(interviews.id, ref.interviewId), isNull(interviews.deletedAt)));
	if (!interview) return 'none';
	const relations = await interviewRelations(rt.db, actorOf(user), interview);
	if (can(user, 'update', 'interview_notes', relations)) return 'write';
	if (interview.status === 'completed' && can(user, 'read', 'candidate', relations)) return 'read';
	return 'none';
}

/**
 * `scorecard:<interviewId>:<userId>`: that interviewer writes; nobody else sees it before it is
 * submitted; other panelists only after submitting their own; recruiters, admins and the hiring
 * manager once submitted. Enforced here, at connect, not only by the page.
 */
export async function scorecardAccess(
	rt: Runtime,
	user: SessionUser,
	ref: { interviewId: string; userId: string }
): Promise<DocumentAccess> {
	return scorecardVisibility(rt.db, actorOf(user), ref.interviewId, ref.userId);
}

/**
 * `debrief:<applicationId>`: the consolidated debrief note — recruiters, admins and the hiring
 * manager write; panelists of the application's interviews who submitted their feedback too.
 */
export async function debriefAccess(
	rt: Runtime,
	user: SessionUser,
	ref: { applicationId: string }
): Promise<DocumentAccess> {
	const [app] = await rt.db
		.select({
			hiringManagerId: requirements.hiringManagerId,
			createdBy: requirements.createdBy,
			departmentId: requirements.departmentId
		})
		.from(applications)
		.innerJoin(requirements, eq(requirements.id, applications.requirementId))
		.where(and(eq(applications.id, ref.applicationId), isNull(applications.deletedAt)));
	if (!app) return 'none';
	// Sitting on a panel of this application without having submitted that scorecard: the
	// debrief (others' verdicts) stays closed, whatever the role — no anchoring.
	const [owing] = await rt.db
		.select({ interviewId: interviewPanelists.interviewId })
		.from(interviewPanelists)
		.innerJoin(interviews, eq(interviews.id, interviewPanelists.interviewId))
		.where(
			and(
				eq(interviews.applicationId, ref.applicationId),
				isNull(interviews.deletedAt),
				ne(interviews.status, 'cancelled'),
				eq(interviewPanelists.userId, user.id),
				notExists(
					rt.db
						.select({ id: interviewFeedback.id })
						.from(interviewFeedback)
						.where(
							and(
								eq(interviewFeedback.interviewId, interviewPanelists.interviewId),
								eq(interviewFeedback.userId, user.id)
							)
						)
				)
			)
		)
		.limit(1);
	if (owing) return 'none';
	// Outside the user's departments, only a panelist who submitted keeps it (below).
	const actor = actorOf(user);
	const relations = scopedRelationsTo(actor, app, await departmentScope(rt.db, actor));
	if (can(user, 'read', 'scorecard', relations) && user.role !== 'interviewer') return 'write';
	const [submittedOnPanel] = await rt.db
		.select({ id: interviewFeedback.id })
		.from(interviewFeedback)
		.innerJoin(interviews, eq(interviews.id, interviewFeedback.interviewId))
		.innerJoin(
			interviewPanelists,
			and(eq(interviewPanelists.interviewId, interviews.id), eq(interviewPanelists.userId, user.id))
		)
		.where(and(eq(interviews.applicationId, ref.applicationId), eq(interviewFeedback.userId, user.id)))
		.limit(1);
	return submittedOnPanel ? 'write' : 'none';
}
