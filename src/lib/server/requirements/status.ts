import { eq } from 'drizzle-orm';
import type { RequirementStatus } from '../../domain/requirements';
import type { ApprovalSubject, Unit } from '../approvals/types';
import { recordAudit } from '../audit/audit';
import { requirements, type Requirement } from '../db/schema';

/** What the approval engine needs to know about a requirement. */
export function toApprovalSubject(r: Requirement): ApprovalSubject {
	return {
		type: 'requirement',
		id: r.id,
		title: r.title,
		link: `/requirements/${r.id}`,
		departmentId: r.departmentId,
		jobLevelId: r.jobLevelId,
		salary: r.salaryMax ?? r.salaryMin,
		aboveBand: false,
		submitterId: r.submittedBy ?? r.createdBy,
		ownerIds: [...new Set([r.hiringManagerId, r.createdBy, ...(r.submittedBy ? [r.submittedBy] : [])])]
	};
}

/** Sets a requirement's status (version bumped) and writes the audit row. */
export async function setStatus(
	unit: Unit,
	before: Requirement,
	status: RequirementStatus,
	action: string,
	extra: Partial<Requirement> = {},
	metadata: Record<string, unknown> | null = null
): Promise<Requirement> {
	const [after] = await unit.tx
		.update(requirements)
		.set({ status, ...extra, version: before.version + 1 })
		.where(eq(requirements.id, before.id))
		.returning();
	await recordAudit(unit.tx, unit.actor, {
		action: `requirement.${action}`,
		entityType: 'requirement',
		entityId: before.id,
		before: { status: before.status },
		after: { status: after.status },
		metadata
	});
	return after;
}
