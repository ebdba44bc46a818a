import type { Role } from './roles';

/**
 * The one permission module. The API, the pages and the sync server all ask `can()`.
 * It is isomorphic (no server imports) so the layout can hide what a role cannot use.
 *
 * A rule lists the roles that may always do the action, and the roles that may do it only
 * when the subject stands in a given relation to the record (owner, hiring manager of it,
 * on its panel…). Callers that know the record pass the relations they established.
 */

export const RESOURCES = [
	'user',
	'department',
	'job_level',
	'audit_log',
	'job',
	'notes',
	'requirement',
	'requirement_description',
	'approval_workflow',
	'approval',
	'candidate',
	'application',
	'pipeline',
	'interview',
	'interview_notes',
	'scorecard',
	'offer',
	'report',
	'settings',
	'ai',
	'sourcing',
	'activity'
] as const;
export type Resource = (typeof RESOURCES)[number];

export const ACTIONS = ['list', 'read', 'create', 'update', 'delete', 'approve', 'manage', 'use'] as const;
export type Action = (typeof ACTIONS)[number];

/** How the subject relates to the record in question. */
export type Relation =
	| 'self' // the record is the subject's own user / notes
	| 'owner' // created it / hiring manager of its requirement
	| 'panelist' // on the interview's panel
	| 'assigned_approver' // holds an approval on it
	| 'submitted' // has submitted their own scorecard for this interview
	/**
	 * The record belongs to a department the subject does not work for (see
	 * `src/lib/server/scope/departments.ts`): the subject's role grants nothing on it, only a
	 * direct relation does (hiring manager of it, on its panel, holding an approval). Admins
	 * are never limited by department.
	 */
	| 'outside_departments';

export interface Subject {
	id: string;
	role: Role;
}

interface Rule {
	/** Roles that may always do it. */
	roles?: readonly Role[];
	/** Roles that may do it only in one of the given relations. */
	when?: ReadonlyArray<{ relation: Relation; roles: readonly Role[] }>;
	/**
	 * Refused, whatever the role, to a subject that holds `holds` but none of `lacks` — checked
	 * before everything else (a panelist reads no one's scorecard before submitting their own).
	 */
	unless?: ReadonlyArray<{ holds: Relation; lacks: readonly Relation[] }>;
}

const ALL: readonly Role[] = [
	'super_admin',
	'admin',
	'hiring_manager',
	'approver',
	'recruiter',
	'interviewer',
	'viewer'
];
const ADMINS: readonly Role[] = ['super_admin', 'admin'];
const TALENT: readonly Role[] = [...ADMINS, 'recruiter'];

type Matrix = Record<Resource, Partial<Record<Action, Rule>>>;

/** The permission matrix. Read it as: resource → action → who. */
export const PERMISSIONS: Matrix = {
	user: {
		list: { roles: ADMINS },
		read: { roles: ADMINS, when: [{ relation: 'self', roles: ALL }] },
		create: { roles: ADMINS },
		update: { roles: ADMINS, when: [{ relation: 'self', roles: ALL }] },
		manage: { roles: ADMINS },
		delete: { roles: ADMINS }
	},
	department: {
		list: { roles: ALL },
		read: { roles: ALL },
		create: { roles: ADMINS },
		update: { roles: ADMINS },
		delete: { roles: ADMINS }
	},
	job_level: {
		list: { roles: ALL },
		read: { roles: ALL },
		create: { roles: ADMINS },
		update: { roles: ADMINS },
		delete: { roles: ADMINS }
	},
	audit_log: { list: { roles: ADMINS }, read: { roles: ADMINS } },
	job: {
		list: { roles: ADMINS, when: [{ relation: 'owner', roles: ALL }] },
		read: { roles: ADMINS, when: [{ relation: 'owner', roles: ALL }] }
	},
	// A user's private scratch notes: theirs alone, not even admins read them.
	notes: {
		read: { when: [{ relation: 'self', roles: ALL }] },
		update: { when: [{ relation: 'self', roles: ALL }] }
	},
	requirement: {
		list: { roles: ALL },
		read: { roles: ALL },
		create: { roles: [...ADMINS, 'hiring_manager'] },
		update: { roles: ADMINS, when: [{ relation: 'owner', roles: ['hiring_manager'] }] },
		delete: { roles: ADMINS },
		manage: { roles: TALENT, when: [{ relation: 'owner', roles: ['hiring_manager'] }] }
	},
	requirement_description: {
		read: { roles: ALL },
		update: { roles: TALENT, when: [{ relation: 'owner', roles: ['hiring_manager'] }] }
	},
	approval_workflow: {
		list: { roles: [...ADMINS, 'approver', 'hiring_manager'] },
		read: { roles: [...ADMINS, 'approver', 'hiring_manager'] },
		create: { roles: ADMINS },
		update: { roles: ADMINS },
		delete: { roles: ADMINS }
	},
	approval: {
		list: { roles: ALL },
		read: { roles: ALL },
		approve: { roles: ADMINS, when: [{ relation: 'assigned_approver', roles: ALL }] }
	},
	candidate: {
		list: { roles: [...TALENT, 'hiring_manager', 'viewer'], when: [{ relation: 'panelist', roles: ['interviewer'] }] },
		read: { roles: [...TALENT, 'hiring_manager', 'viewer'], when: [{ relation: 'panelist', roles: ['interviewer'] }] },
		create: { roles: TALENT },
		update: { roles: TALENT },
		delete: { roles: ADMINS }
	},
	application: {
		list: { roles: [...TALENT, 'hiring_manager', 'viewer'] },
		read: { roles: [...TALENT, 'hiring_manager', 'viewer'] },
		create: { roles: TALENT, when: [{ relation: 'owner', roles: ['hiring_manager'] }] },
		update: { roles: TALENT, when: [{ relation: 'owner', roles: ['hiring_manager'] }] }
	},
	pipeline: {
		read: { roles: [...TALENT, 'hiring_manager', 'approver', 'viewer'] },
		update: { roles: TALENT, when: [{ relation: 'owner', roles: ['hiring_manager'] }] }
	},
	interview: {
		list: { roles: [...TALENT, 'hiring_manager', 'interviewer', 'viewer'] },
		read: {
			roles: TALENT,
			when: [
				{ relation: 'panelist', roles: ALL },
				{ relation: 'owner', roles: ['hiring_manager'] }
			]
		},
		create: { roles: TALENT },
		update: { roles: TALENT },
		delete: { roles: ADMINS }
	},
	interview_notes: {
		read: {
			roles: TALENT,
			when: [
				{ relation: 'panelist', roles: ALL },
				{ relation: 'owner', roles: ['hiring_manager'] }
			]
		},
		update: { roles: TALENT, when: [{ relation: 'panelist', roles: ALL }] }
	},
	scorecard: {
		// Another panelist's scorecard: only once they submitted their own (no anchoring bias) —
		// this holds for admins and recruiters on the panel too. Callers pass `panelist` when the
		// subject sits on the interview's panel and `submitted` once their own scorecard is in.
		read: {
			roles: TALENT,
			when: [
				{ relation: 'self', roles: ALL },
				{ relation: 'submitted', roles: ALL },
				{ relation: 'owner', roles: ['hiring_manager'] }
			],
			unless: [{ holds: 'panelist', lacks: ['self', 'submitted'] }]
		},
		update: { when: [{ relation: 'self', roles: ALL }] }
	},
	offer: {
		list: { roles: [...TALENT, 'hiring_manager', 'approver'] },
		read: {
			roles: TALENT,
			when: [
				{ relation: 'owner', roles: ['hiring_manager'] },
				{ relation: 'assigned_approver', roles: ALL }
			]
		},
		create: { roles: TALENT, when: [{ relation: 'owner', roles: ['hiring_manager'] }] },
		update: { roles: TALENT, when: [{ relation: 'owner', roles: ['hiring_manager'] }] },
		delete: { roles: ADMINS }
	},
	report: { read: { roles: [...TALENT, 'hiring_manager', 'approver', 'viewer'] } },
	settings: { read: { roles: ADMINS }, manage: { roles: ADMINS } },
	ai: { use: { roles: [...TALENT, 'hiring_manager'] } },
	sourcing: { use: { roles: TALENT } },
	// The feed is about candidates: those who read candidates see it.
	activity: { list: { roles: [...TALENT, 'hiring_manager', 'viewer'] } }
};

/** May `subject` do `action` on `resource`, given its relations to the record? */
export function can(
	subject: Subject | null | undefined,
	action: Action,
	resource: Resource,
	relations: Iterable<Relation> = []
): boolean {
	if (!subject) return false;
	const rule = PERMISSIONS[resource]?.[action];
	if (!rule) return false;
	const held = new Set(relations);
	if (rule.unless?.some((u) => held.has(u.holds) && !u.lacks.some((r) => held.has(r)))) return false;
	const roleApplies = !held.has('outside_departments') || isAdminRole(subject.role);
	if (roleApplies && rule.roles?.includes(subject.role)) return true;
	if (!rule.when) return false;
	return rule.when.some((r) => held.has(r.relation) && r.roles.includes(subject.role));
}

/** Admins see every department and manage the organisation. */
export function isAdminRole(role: Role): boolean {
	return ADMINS.includes(role);
}

/** Roles an actor of `role` may hand out: admins cannot create or promote a super admin. */
export function assignableRoles(role: Role): Role[] {
	if (role === 'super_admin') return [...ALL];
	if (role === 'admin') return ALL.filter((r) => r !== 'super_admin');
	return [];
}

/** The navigation of the app shell, each entry shown only to roles that can use it. */
export const NAVIGATION = [
	{ href: '/', label: 'Dashboard', allowed: () => true },
	{ href: '/requirements', label: 'Requirements', allowed: (s: Subject) => can(s, 'list', 'requirement') },
	{ href: '/approvals', label: 'Approvals', allowed: (s: Subject) => can(s, 'list', 'approval') },
	{ href: '/candidates', label: 'Candidates', allowed: (s: Subject) => can(s, 'list', 'candidate') },
	{ href: '/interviews', label: 'Interviews', allowed: (s: Subject) => can(s, 'list', 'interview') },
	{ href: '/offers', label: 'Offers', allowed: (s: Subject) => can(s, 'list', 'offer') },
	{ href: '/reports', label: 'Reports', allowed: (s: Subject) => can(s, 'read', 'report') },
	{ href: '/admin', label: 'Admin', allowed: (s: Subject) => can(s, 'manage', 'user') }
] as const;
