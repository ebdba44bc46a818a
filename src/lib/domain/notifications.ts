/** Kinds of notification; each user can turn the e-mail copy of each kind off. */
export const NOTIFICATION_KINDS = [
	'approval_needed',
	'approval_reminder',
	'requirement_approved',
	'requirement_rejected',
	'info_requested',
	'requirement_opened',
	'interview_scheduled',
	'feedback_overdue',
	'offer_approved',
	'offer_rejected',
	'offer_accepted',
	'offer_declined'
] as const;
export type NotificationKind = (typeof NOTIFICATION_KINDS)[number];

/** Whether a user's e-mail preferences let an e-mail of this kind through (on unless turned off). */
export function wantsEmail(
	prefs: Partial<Record<string, boolean>> | null | undefined,
	kind: NotificationKind
): boolean {
	return prefs?.[kind] !== false;
}

export const NOTIFICATION_KIND_LABELS: Record<NotificationKind, string> = {
	approval_needed: 'An approval waits for me',
	approval_reminder: 'Reminders of approvals waiting for me',
	requirement_approved: 'My requirement was approved',
	requirement_rejected: 'My requirement was rejected',
	info_requested: 'An approver asks me for more information',
	requirement_opened: 'A requirement opened for recruiting',
	interview_scheduled: 'I am on an interview panel',
	feedback_overdue: 'My interview feedback is overdue',
	offer_approved: 'An offer I made was approved',
	offer_rejected: 'An offer I made was rejected',
	offer_accepted: 'A candidate accepted an offer',
	offer_declined: 'A candidate declined an offer'
};
