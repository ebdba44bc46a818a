/** The seven roles, from most to least powerful. */
export const ROLES = [
	'super_admin',
	'admin',
	'hiring_manager',
	'approver',
	'recruiter',
	'interviewer',
	'viewer'
] as const;

export type Role = (typeof ROLES)[number];

export const ROLE_LABELS: Record<Role, string> = {
	super_admin: 'Super admin',
	admin: 'Admin',
	hiring_manager: 'Hiring manager',
	approver: 'Approver',
	recruiter: 'Recruiter',
	interviewer: 'Interviewer',
	viewer: 'Viewer'
};

export function isRole(value: unknown): value is Role {
	return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}
