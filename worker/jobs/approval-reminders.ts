import { and, eq, isNull, lt, or, sql } from 'drizzle-orm';
import { z } from 'zod';
import { SYSTEM_ACTOR } from '$lib/server/actor';
import { approvals, requirements } from '$lib/server/db/schema';
import { inTransaction } from '$lib/server/db/transaction';
import { defineJob, exponentialBackoff } from '$lib/server/jobs/types';
import { notify } from '$lib/server/notifications/service';
import { requirementReference } from '$lib/domain/requirements';

const HOUR_MS = 60 * 60 * 1000;
const DAY_MS = 24 * HOUR_MS;

/** "30 hours", "3 days": with a threshold under a day, "0 days" would be wrong. */
function waited(ms: number): string {
	const hours = Math.floor(ms / HOUR_MS);
	if (hours < 48) return `${hours} hour${hours === 1 ? '' : 's'}`;
	return `${Math.floor(ms / DAY_MS)} days`;
}

/**
 * Reminds approvers of approvals waiting longer than APPROVAL_REMINDER_HOURS (48 by default):
 * an in-app notification and its e-mail, at most once a day per approval. Runs hourly; each
 * approval is claimed with FOR UPDATE SKIP LOCKED so two runs never remind twice.
 */
export const approvalRemindersJob = defineJob({
	kind: 'approvals.remind',
	input: z.object({}),
	maxAttempts: 3,
	backoffMs: exponentialBackoff(60_000),
	async perform(_input, { runtime: rt }) {
		const waitingSince = new Date(Date.now() - rt.config.APPROVAL_REMINDER_HOURS * HOUR_MS);
		const remindedBefore = new Date(Date.now() - DAY_MS);
		let reminded = 0;
		for (;;) {
			const done = await inTransaction(rt.db, async (tx, afterCommit) => {
				const [due] = await tx
					.select({ a: approvals, title: requirements.title, number: requirements.number })
					.from(approvals)
					.leftJoin(
						requirements,
						and(eq(approvals.subjectType, 'requirement'), eq(requirements.id, approvals.subjectId))
					)
					.where(
						and(
							eq(approvals.status, 'pending'),
							lt(approvals.createdAt, waitingSince),
							or(isNull(approvals.lastRemindedAt), lt(approvals.lastRemindedAt, remindedBefore))
						)
					)
					.orderBy(approvals.createdAt)
					.limit(1)
					.for('update', { of: approvals, skipLocked: true });
				if (!due) return true;
				await tx
					.update(approvals)
					.set({ lastRemindedAt: sql`now()` })
					.where(eq(approvals.id, due.a.id));
				const what = due.title ? `${requirementReference(due.number ?? 0)} "${due.title}"` : `a ${due.a.subjectType}`;
				await notify(
					{ rt, actor: SYSTEM_ACTOR, tx, afterCommit },
					{
						userIds: [due.a.approverId],
						kind: 'approval_reminder',
						title: `Reminder: ${what} waits for your approval`,
						body: `Step "${due.a.stepName}" of ${what} has waited ${waited(Date.now() - due.a.createdAt.getTime())} for your decision.`,
						link: due.a.subjectType === 'requirement' ? `/requirements/${due.a.subjectId}` : null,
						subjectType: due.a.subjectType,
						subjectId: due.a.subjectId
					}
				);
				return false;
			});
			if (done) break;
			reminded++;
		}
		return { reminded };
	}
});
