import { describe, expect, it } from 'vitest';
import { can } from '../../src/lib/permissions';
import type { Actor } from '../../src/lib/server/actor';
import { scopedRelationsTo } from '../../src/lib/server/requirements/visibility';

const ENGINEERING = '00000000-0000-4000-8000-00000000000e';
const SALES = '00000000-0000-4000-8000-00000000000s';
const me = '00000000-0000-4000-8000-000000000001';
const someoneElse = '00000000-0000-4000-8000-000000000002';

const requirement = (departmentId: string, hiringManagerId = someoneElse, createdBy = someoneElse) => ({
	departmentId,
	hiringManagerId,
	createdBy
});

describe('scopedRelationsTo: the relations a requirement check passes to can()', () => {
	const recruiter: Actor = { userId: me, role: 'recruiter' };
	const manager: Actor = { userId: me, role: 'hiring_manager' };
	const engineering = new Set([ENGINEERING]);

	it('adds outside_departments only for a requirement outside a limited scope', () => {
		expect(scopedRelationsTo(recruiter, requirement(SALES), engineering)).toEqual(['outside_departments']);
		expect(scopedRelationsTo(recruiter, requirement(ENGINEERING), engineering)).toEqual([]);
		// No assignment (null): the whole organisation.
		expect(scopedRelationsTo(recruiter, requirement(SALES), null)).toEqual([]);
		// An empty scope sees no department.
		expect(scopedRelationsTo(recruiter, requirement(ENGINEERING), new Set())).toEqual(['outside_departments']);
	});

	it("keeps one's own requirement (hiring manager or creator) whatever its department", () => {
		expect(scopedRelationsTo(manager, requirement(SALES, me), engineering)).toEqual(['owner']);
		expect(scopedRelationsTo(manager, requirement(SALES, someoneElse, me), engineering)).toEqual(['owner']);
	});

	it('takes the role grant away outside the scope, not the direct relations', () => {
		const subject = { id: me, role: 'recruiter' as const };
		const outside = scopedRelationsTo(recruiter, requirement(SALES), engineering);
		const inside = scopedRelationsTo(recruiter, requirement(ENGINEERING), engineering);
		expect(can(subject, 'update', 'pipeline', inside)).toBe(true);
		expect(can(subject, 'update', 'pipeline', outside)).toBe(false);
		expect(can(subject, 'read', 'interview', outside)).toBe(false);
		// On the panel, the interview stays theirs.
		expect(can(subject, 'read', 'interview', [...outside, 'panelist'])).toBe(true);
		// The hiring manager moves cards on their own board in any department.
		const own = scopedRelationsTo(manager, requirement(SALES, me), engineering);
		expect(can({ id: me, role: 'hiring_manager' }, 'update', 'pipeline', own)).toBe(true);
	});
});
