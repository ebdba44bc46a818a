import { eq } from 'drizzle-orm';
import type { SubjectHandlers } from '../approvals/types';
import { offers } from '../db/schema';
import { notify } from '../notifications/service';
import { setOfferStatus, toApprovalSubject } from './status';

/** What approval outcomes do to an offer: approved, or back to draft when rejected / info asked. */
export const offerApprovalHandlers: SubjectHandlers = {
	async load(unit, id) {
		const [row] = await unit.tx.select().from(offers).where(eq(offers.id, id)).for('update');
		return row ? toApprovalSubject(unit.tx, row) : null;
	},
	async onApproved(unit, subject) {
		const [before] = await unit.tx.select().from(offers).where(eq(offers.id, subject.id));
		await setOfferStatus(unit, before, 'approved', 'approved', { approvedAt: new Date() });
		await notify(unit, {
			userIds: [subject.submitterId],
			kind: 'offer_approved',
			title: `Approved: ${subject.title}`,
			body: 'Every approval step agreed. You can extend the offer to the candidate.',
			link: subject.link,
			subjectType: 'offer',
			subjectId: subject.id
		});
	},
	async onRejected(unit, subject, comment) {
		const [before] = await unit.tx.select().from(offers).where(eq(offers.id, subject.id));
		await setOfferStatus(unit, before, 'draft', 'rejected', {}, comment ? { comment } : null);
		await notify(unit, {
			userIds: [subject.submitterId],
			kind: 'offer_rejected',
			title: `Rejected: ${subject.title}`,
			body: `The offer was rejected${comment ? `: ${comment}` : '.'} It is a draft again.`,
			link: subject.link,
			subjectType: 'offer',
			subjectId: subject.id
		});
	},
	async onInfoRequested(unit, subject, comment) {
		const [before] = await unit.tx.select().from(offers).where(eq(offers.id, subject.id));
		await setOfferStatus(unit, before, 'draft', 'info_requested', {}, comment ? { comment } : null);
		await notify(unit, {
			userIds: [subject.submitterId],
			kind: 'info_requested',
			title: `More information needed: ${subject.title}`,
			body: `An approver asks${comment ? `: ${comment}` : ' for more information.'} Edit the offer and submit it again.`,
			link: subject.link,
			subjectType: 'offer',
			subjectId: subject.id
		});
	}
};
