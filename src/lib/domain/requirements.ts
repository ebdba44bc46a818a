/**
 * The requirement lifecycle, isomorphic (the form, the list badges and the server use it).
 *
 *   draft → pending_approval → approved → open → filled
 *   with rejected, on_hold and cancelled.
 */
export const REQUIREMENT_STATUSES = [
	'draft',
	'pending_approval',
	'approved',
	'open',
	'filled',
	'rejected',
	'on_hold',
	'cancelled'
] as const;
export type RequirementStatus = (typeof REQUIREMENT_STATUSES)[number];

export const EMPLOYMENT_TYPES = ['full_time', 'part_time', 'contract', 'temporary', 'internship'] as const;
export type EmploymentType = (typeof EMPLOYMENT_TYPES)[number];

export const REMOTE_POLICIES = ['onsite', 'hybrid', 'remote'] as const;
export type RemotePolicy = (typeof REMOTE_POLICIES)[number];

export const STATUS_LABELS: Record<RequirementStatus, string> = {
	draft: 'Draft',
	pending_approval: 'Pending approval',
	approved: 'Approved',
	open: 'Open',
	filled: 'Filled',
	rejected: 'Rejected',
	on_hold: 'On hold',
	cancelled: 'Cancelled'
};

export const EMPLOYMENT_TYPE_LABELS: Record<EmploymentType, string> = {
	full_time: 'Full-time',
	part_time: 'Part-time',
	contract: 'Contract',
	temporary: 'Temporary',
	internship: 'Internship'
};

export const REMOTE_POLICY_LABELS: Record<RemotePolicy, string> = {
	onsite: 'On-site',
	hybrid: 'Hybrid',
	remote: 'Remote'
};

/** Actions a person can take on a requirement's status, and where each leads from where. */
export type RequirementAction = 'submit' | 'cancel' | 'hold' | 'reopen' | 'open' | 'fill';

/** The transition table: action → from-status → to-status. `reopen` from on_hold is dynamic. */
export const TRANSITIONS: Record<
	RequirementAction,
	Partial<Record<RequirementStatus, RequirementStatus | 'previous'>>
> = {
	submit: { draft: 'pending_approval' },
	cancel: {
		draft: 'cancelled',
		pending_approval: 'cancelled',
		approved: 'cancelled',
		open: 'cancelled',
		on_hold: 'cancelled'
	},
	hold: { approved: 'on_hold', open: 'on_hold' },
	reopen: { on_hold: 'previous', rejected: 'draft', filled: 'open' },
	open: { approved: 'open' },
	fill: { open: 'filled' }
};

/** The actions allowed from a status (for 409 answers and for the buttons on the page). */
export function allowedActions(status: RequirementStatus): RequirementAction[] {
	return (Object.keys(TRANSITIONS) as RequirementAction[]).filter(
		(action) => TRANSITIONS[action][status] !== undefined
	);
}

/** Fields whose change sends a pending/approved/open requirement back through approval. */
export const APPROVAL_RELEVANT_FIELDS = [
	'salaryMin',
	'salaryMax',
	'currency',
	'headcount',
	'jobLevelId',
	'departmentId'
] as const;

/** Statuses in which a requirement's fields may still be edited. */
export const EDITABLE_STATUSES: RequirementStatus[] = [
	'draft',
	'pending_approval',
	'approved',
	'open',
	'on_hold',
	'rejected'
];

export function requirementReference(number: number): string {
	return `REQ-${String(number).padStart(6, '0')}`;
}
