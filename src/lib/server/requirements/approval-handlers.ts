import { eq } from 'drizzle-orm';
import { requirementReference } from '../../domain/requirements';
import type { SubjectHandlers } from '../approvals/types';
import { requirements } from '../db/schema';
import { notify } from '../notifications/service';
import { setStatus, toApprovalSubject } from './status';

/** What approval outcomes do to a requirement: its status, and who is told. */
export const requirementApprovalHandlers: SubjectHandlers = {
	async load(unit, id) {
		const [row] = await unit.tx.select().from(requirements).where(eq(requirements.id, id)).for('update');
		return row ? toApprovalSubject(row) : null;
	},
	async onApproved(unit, subject) {
		const [before] = await unit.tx.select().from(requirements).where(eq(requirements.id, subject.id));
		const after = await setStatus({ ...unit, actor: unit.actor }, before, 'approved', 'approved', {
			approvedAt: new Date()
		});
		await notify(unit, {
			userIds: [after.hiringManagerId, subject.submitterId],
			kind: 'requirement_approved',
			title: `Approved: ${after.title}`,
			body: `${requirementReference(after.number)} "${after.title}" passed every approval step.`,
			link: subject.link,
			subjectType: 'requirement',
			subjectId: subject.id
		});
	},
	async onRejected(unit, subject, comment) {
		const [before] = await unit.tx.select().from(requirements).where(eq(requirements.id, subject.id));
		const after = await setStatus(unit, before, 'rejected', 'rejected', {}, comment ? { comment } : null);
		await notify(unit, {
			userIds: [after.hiringManagerId, subject.submitterId],
			kind: 'requirement_rejected',
			title: `Rejected: ${after.title}`,
			body: `${requirementReference(after.number)} "${after.title}" was rejected${comment ? `: ${comment}` : '.'}`,
			link: subject.link,
			subjectType: 'requirement',
			subjectId: subject.id
		});
	},
	async onInfoRequested(unit, subject, comment) {
		const [before] = await unit.tx.select().from(requirements).where(eq(requirements.id, subject.id));
		const after = await setStatus(unit, before, 'draft', 'info_requested', {}, comment ? { comment } : null);
		await notify(unit, {
			userIds: [subject.submitterId, after.hiringManagerId],
			kind: 'info_requested',
			title: `More information needed: ${after.title}`,
			body: `An approver asks for more information about "${after.title}"${comment ? `: ${comment}` : '.'} Edit it and submit it again.`,
			link: subject.link,
			subjectType: 'requirement',
			subjectId: subject.id
		});
	}
};
