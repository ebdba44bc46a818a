/** Approval workflows, isomorphic. */
export const APPROVAL_SUBJECTS = ['requirement', 'offer'] as const;
export type ApprovalSubjectType = (typeof APPROVAL_SUBJECTS)[number];

export const APPROVAL_RULES = ['all', 'any', 'n'] as const;
export type ApprovalRule = (typeof APPROVAL_RULES)[number];

export const APPROVAL_STATUSES = ['pending', 'approved', 'rejected', 'info_requested', 'skipped', 'cancelled'] as const;
export type ApprovalStatus = (typeof APPROVAL_STATUSES)[number];

/** Who is asked at a step: everyone with a role, named users, or the department's head. */
export type ApproverSpec =
	| {
			type: 'role';
			role: 'super_admin' | 'admin' | 'hiring_manager' | 'approver' | 'recruiter' | 'interviewer' | 'viewer';
	  }
	| { type: 'user'; userId: string }
	| { type: 'department_head' };

export const APPROVAL_STATUS_LABELS: Record<ApprovalStatus, string> = {
	pending: 'Waiting',
	approved: 'Approved',
	rejected: 'Rejected',
	info_requested: 'Info requested',
	skipped: 'Not needed',
	cancelled: 'Withdrawn'
};

export function describeRule(rule: ApprovalRule, required: number | null, total: number): string {
	if (rule === 'all') return `All ${total} must approve`;
	if (rule === 'any') return 'Any one approval';
	return `${required ?? 1} of ${total} must approve`;
}
