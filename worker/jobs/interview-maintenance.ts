import { and, eq, inArray, isNull, lt, or, sql } from 'drizzle-orm';
import { z } from 'zod';
import { SYSTEM_ACTOR } from '$lib/server/actor';
import { candidates, interviewFeedback, interviewPanelists, interviews } from '$lib/server/db/schema';
import { inTransaction } from '$lib/server/db/transaction';
import { defineJob, exponentialBackoff } from '$lib/server/jobs/types';
import { notify } from '$lib/server/notifications/service';
import { expireOffers } from '$lib/server/offers/service';

const DAY_MS = 86_400_000;

/**
 * Hourly upkeep of interviews and offers: panelists whose feedback is overdue (24 h after the
 * interview ended) are reminded, at most once a day per interview; extended offers past their
 * expiry date expire.
 */
export const interviewMaintenanceJob = defineJob({
	kind: 'interviews.maintenance',
	input: z.object({}),
	maxAttempts: 3,
	backoffMs: exponentialBackoff(60_000),
	async perform(_input, { runtime: rt }) {
		let reminded = 0;
		for (;;) {
			const done = await inTransaction(rt.db, async (tx, afterCommit) => {
				const [due] = await tx
					.select({ i: interviews, candidateName: candidates.name })
					.from(interviews)
					.innerJoin(candidates, eq(candidates.id, interviews.candidateId))
					.where(
						and(
							inArray(interviews.status, ['scheduled', 'completed']),
							isNull(interviews.deletedAt),
							lt(interviews.endsAt, new Date(Date.now() - DAY_MS)),
							or(
								isNull(interviews.feedbackRemindedAt),
								lt(interviews.feedbackRemindedAt, new Date(Date.now() - DAY_MS))
							),
							// Only interviews someone still owes feedback for: a panel that is done is
							// not touched again (it used to be rewritten, and counted, every day forever).
							sql`exists (select 1 from ${interviewPanelists} p where p.interview_id = ${interviews.id}
								and not exists (select 1 from ${interviewFeedback} f
									where f.interview_id = p.interview_id and f.user_id = p.user_id))`
						)
					)
					.limit(1)
					.for('update', { of: interviews, skipLocked: true });
				if (!due) return true;
				await tx
					.update(interviews)
					.set({ feedbackRemindedAt: sql`now()` })
					.where(eq(interviews.id, due.i.id));
				const panel = await tx
					.select({ userId: interviewPanelists.userId })
					.from(interviewPanelists)
					.where(eq(interviewPanelists.interviewId, due.i.id));
				const submitted = await tx
					.selectDistinct({ userId: interviewFeedback.userId })
					.from(interviewFeedback)
					.where(eq(interviewFeedback.interviewId, due.i.id));
				const late = panel.map((p) => p.userId).filter((u) => !submitted.some((s) => s.userId === u));
				// The query found someone late; a submission racing it just leaves nobody to remind.
				if (late.length > 0) {
					await notify(
						{ rt, actor: SYSTEM_ACTOR, tx, afterCommit },
						{
							userIds: late,
							kind: 'feedback_overdue',
							title: `Feedback overdue: interview with ${due.candidateName}`,
							body: `The interview with ${due.candidateName} ended more than a day ago and your scorecard is not submitted yet.`,
							link: `/interviews/${due.i.id}`,
							subjectType: 'interview',
							subjectId: due.i.id
						}
					);
				}
				return false;
			});
			if (done) break;
			reminded++;
		}
		return { interviewsReminded: reminded, offersExpired: await expireOffers(rt) };
	}
});
