import { describe, expect, it } from 'vitest';
import {
	ACTIONS,
	assignableRoles,
	can,
	NAVIGATION,
	PERMISSIONS,
	RESOURCES,
	type Action,
	type Relation,
	type Resource
} from '../../src/lib/permissions';
import { ROLES, type Role } from '../../src/lib/roles';

const ADMINS: Role[] = ['super_admin', 'admin'];
const TALENT: Role[] = [...ADMINS, 'recruiter'];
const NOBODY: Role[] = [];
const EVERYONE: Role[] = [...ROLES];

type Cell = [action: Action, resource: Resource, relations: Relation[], allowed: Role[]];

/**
 * The permission matrix, read as: this action on this resource, with these relations to the
 * record, is allowed to exactly these roles. Every cell is checked for all seven roles.
 */
const MATRIX: Cell[] = [
	// users admin
	['list', 'user', [], ADMINS],
	['read', 'user', [], ADMINS],
	['read', 'user', ['self'], EVERYONE],
	['create', 'user', [], ADMINS],
	['update', 'user', [], ADMINS],
	['update', 'user', ['self'], EVERYONE],
	['manage', 'user', [], ADMINS],
	['manage', 'user', ['self'], ADMINS],
	['delete', 'user', [], ADMINS],
	// audit log: read by admins, written by nobody through the API
	['list', 'audit_log', [], ADMINS],
	['read', 'audit_log', [], ADMINS],
	['update', 'audit_log', [], NOBODY],
	['delete', 'audit_log', [], NOBODY],
	// jobs: their creator, and admins
	['read', 'job', [], ADMINS],
	['read', 'job', ['owner'], EVERYONE],
	['list', 'job', ['owner'], EVERYONE],
	// private notes: the owner only — not even a super admin reads someone else's
	['read', 'notes', ['self'], EVERYONE],
	['update', 'notes', ['self'], EVERYONE],
	['read', 'notes', [], NOBODY],
	['update', 'notes', [], NOBODY],
	['read', 'notes', ['owner'], NOBODY],
	// organisation
	['list', 'department', [], EVERYONE],
	['create', 'department', [], ADMINS],
	['delete', 'job_level', [], ADMINS],
	// requirements
	['list', 'requirement', [], EVERYONE],
	['read', 'requirement', [], EVERYONE],
	['create', 'requirement', [], [...ADMINS, 'hiring_manager']],
	['update', 'requirement', [], ADMINS],
	['update', 'requirement', ['owner'], [...ADMINS, 'hiring_manager']],
	['delete', 'requirement', ['owner'], ADMINS],
	['manage', 'requirement', [], TALENT],
	['manage', 'requirement', ['owner'], [...TALENT, 'hiring_manager']],
	['update', 'requirement_description', [], TALENT],
	['update', 'requirement_description', ['owner'], [...TALENT, 'hiring_manager']],
	['read', 'requirement_description', [], EVERYONE],
	// approvals
	['approve', 'approval', [], ADMINS],
	['approve', 'approval', ['assigned_approver'], EVERYONE],
	['create', 'approval_workflow', [], ADMINS],
	['read', 'approval_workflow', [], [...ADMINS, 'hiring_manager', 'approver']],
	// candidates and pipeline
	['read', 'candidate', [], [...TALENT, 'hiring_manager', 'viewer']],
	['read', 'candidate', ['panelist'], [...TALENT, 'hiring_manager', 'viewer', 'interviewer']],
	['create', 'candidate', [], TALENT],
	['delete', 'candidate', [], ADMINS],
	['read', 'pipeline', [], [...TALENT, 'hiring_manager', 'approver', 'viewer']],
	['update', 'pipeline', [], TALENT],
	['update', 'pipeline', ['owner'], [...TALENT, 'hiring_manager']],
	// interviews
	['read', 'interview', [], TALENT],
	['read', 'interview', ['panelist'], EVERYONE],
	['read', 'interview', ['owner'], [...TALENT, 'hiring_manager']],
	['create', 'interview', [], TALENT],
	['update', 'interview_notes', [], TALENT],
	['update', 'interview_notes', ['panelist'], EVERYONE],
	['read', 'interview_notes', ['owner'], [...TALENT, 'hiring_manager']],
	// scorecards: one's own always; others' only once one's own is submitted (no anchoring)
	['update', 'scorecard', ['self'], EVERYONE],
	['update', 'scorecard', [], NOBODY],
	['update', 'scorecard', ['panelist', 'submitted'], NOBODY],
	['read', 'scorecard', ['self'], EVERYONE],
	['read', 'scorecard', ['panelist', 'self'], EVERYONE],
	['read', 'scorecard', ['panelist'], NOBODY],
	['read', 'scorecard', ['panelist', 'owner'], NOBODY],
	['read', 'scorecard', ['panelist', 'submitted'], EVERYONE],
	['read', 'scorecard', [], TALENT],
	['read', 'scorecard', ['owner'], [...TALENT, 'hiring_manager']],
	// offers
	['read', 'offer', [], TALENT],
	['read', 'offer', ['assigned_approver'], EVERYONE],
	['create', 'offer', ['owner'], [...TALENT, 'hiring_manager']],
	['delete', 'offer', [], ADMINS],
	// the rest
	['read', 'report', [], [...TALENT, 'hiring_manager', 'approver', 'viewer']],
	['manage', 'settings', [], ADMINS],
	['use', 'ai', [], [...TALENT, 'hiring_manager']],
	['use', 'sourcing', [], TALENT],
	['list', 'activity', [], [...TALENT, 'hiring_manager', 'viewer']]
];

const rows = MATRIX.flatMap(([action, resource, relations, allowed]) =>
	ROLES.map((role) => ({ role, action, resource, relations, expected: allowed.includes(role) }))
);

describe('permission matrix', () => {
	it.each(rows)(
		'$role may $action $resource with [$relations]: $expected',
		({ role, action, resource, relations, expected }) => {
			expect(can({ id: 'u1', role }, action, resource, relations)).toBe(expected);
		}
	);

	it('refuses everything to no subject (signed out, or the system without a user)', () => {
		for (const resource of RESOURCES) {
			for (const action of ACTIONS) {
				expect(can(null, action, resource, ['self', 'owner'])).toBe(false);
				expect(can(undefined, action, resource)).toBe(false);
			}
		}
	});

	it('refuses an action a resource does not define, to every role', () => {
		const undefinedCells = RESOURCES.flatMap((resource) =>
			ACTIONS.filter((action) => !PERMISSIONS[resource][action]).map((action) => [action, resource] as const)
		);
		expect(undefinedCells.length).toBeGreaterThan(20);
		for (const [action, resource] of undefinedCells) {
			for (const role of ROLES) {
				expect(can({ id: 'u1', role }, action, resource, ['self', 'owner', 'panelist', 'submitted'])).toBe(false);
			}
		}
	});

	it('refuses a role the module does not know', () => {
		expect(can({ id: 'u1', role: 'root' as Role }, 'list', 'requirement')).toBe(false);
	});
});

describe('assignable roles', () => {
	it.each([
		['super_admin', [...ROLES]],
		['admin', ROLES.filter((r) => r !== 'super_admin')],
		['hiring_manager', []],
		['approver', []],
		['recruiter', []],
		['interviewer', []],
		['viewer', []]
	] as Array<[Role, Role[]]>)('%s may hand out %j', (role, expected) => {
		expect(assignableRoles(role)).toEqual(expected);
	});

	it('an admin can never hand out super_admin', () => {
		expect(assignableRoles('admin')).not.toContain('super_admin');
	});
});

describe('navigation', () => {
	const visible = (role: Role) => NAVIGATION.filter((e) => e.allowed({ id: 'u1', role })).map((e) => e.label);

	it.each([
		[
			'super_admin',
			['Dashboard', 'Requirements', 'Approvals', 'Candidates', 'Interviews', 'Offers', 'Reports', 'Admin']
		],
		['admin', ['Dashboard', 'Requirements', 'Approvals', 'Candidates', 'Interviews', 'Offers', 'Reports', 'Admin']],
		['hiring_manager', ['Dashboard', 'Requirements', 'Approvals', 'Candidates', 'Interviews', 'Offers', 'Reports']],
		['approver', ['Dashboard', 'Requirements', 'Approvals', 'Offers', 'Reports']],
		['recruiter', ['Dashboard', 'Requirements', 'Approvals', 'Candidates', 'Interviews', 'Offers', 'Reports']],
		['interviewer', ['Dashboard', 'Requirements', 'Approvals', 'Interviews']],
		['viewer', ['Dashboard', 'Requirements', 'Approvals', 'Candidates', 'Interviews', 'Reports']]
	] as Array<[Role, string[]]>)('%s sees %j', (role, labels) => {
		expect(visible(role)).toEqual(labels);
	});
});

describe('department visibility (outside_departments)', () => {
	const out: Relation[] = ['outside_departments'];

	it('takes away what the role grants on a record of another department', () => {
		expect(can({ id: 'r', role: 'recruiter' }, 'read', 'requirement')).toBe(true);
		expect(can({ id: 'r', role: 'recruiter' }, 'read', 'requirement', out)).toBe(false);
		expect(can({ id: 'r', role: 'recruiter' }, 'read', 'candidate', out)).toBe(false);
		expect(can({ id: 'r', role: 'recruiter' }, 'update', 'pipeline', out)).toBe(false);
		expect(can({ id: 'v', role: 'viewer' }, 'read', 'pipeline', out)).toBe(false);
	});

	it('leaves what the subject holds directly', () => {
		expect(can({ id: 'h', role: 'hiring_manager' }, 'update', 'requirement', ['owner', ...out])).toBe(true);
		expect(can({ id: 'i', role: 'interviewer' }, 'read', 'interview', ['panelist', ...out])).toBe(true);
		expect(can({ id: 'a', role: 'approver' }, 'read', 'offer', ['assigned_approver', ...out])).toBe(true);
		// …but a relation that only recruiters' roles grant does not come back through it.
		expect(can({ id: 'r', role: 'recruiter' }, 'read', 'interview', out)).toBe(false);
	});

	it('never limits admins', () => {
		for (const role of ['admin', 'super_admin'] as Role[]) {
			expect(can({ id: 'x', role }, 'read', 'candidate', out)).toBe(true);
			expect(can({ id: 'x', role }, 'update', 'pipeline', out)).toBe(true);
		}
	});
});
