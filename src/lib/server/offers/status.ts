import { eq } from 'drizzle-orm';
import type { OfferStatus } from '../../domain/interviews';
import type { ApprovalSubject, Unit } from '../approvals/types';
import { recordAudit } from '../audit/audit';
import type { Executor } from '../db/client';
import { candidates, jobLevels, offers, requirements, type Offer, type Requirement } from '../db/schema';
import { NotFound } from '../errors';

export async function loadRequirement(db: Executor, id: string): Promise<Requirement> {
	const [r] = await db.select().from(requirements).where(eq(requirements.id, id));
	if (!r) throw new NotFound('Requirement');
	return r;
}

/** Is the offer above its job level's salary band (same currency)? */
export async function aboveBand(
	db: Executor,
	offer: Pick<Offer, 'baseSalary' | 'currency'>,
	requirement: Requirement
): Promise<boolean> {
	if (!requirement.jobLevelId) return false;
	const [level] = await db.select().from(jobLevels).where(eq(jobLevels.id, requirement.jobLevelId));
	if (!level?.salaryMax || !level.currency) return false;
	return level.currency === offer.currency && offer.baseSalary > level.salaryMax;
}

export async function toApprovalSubject(db: Executor, offer: Offer): Promise<ApprovalSubject> {
	const requirement = await loadRequirement(db, offer.requirementId);
	const [candidate] = await db
		.select({ name: candidates.name })
		.from(candidates)
		.where(eq(candidates.id, offer.candidateId));
	return {
		type: 'offer',
		id: offer.id,
		title: `Offer to ${candidate?.name ?? 'a candidate'} — ${requirement.title}`,
		link: `/offers/${offer.id}`,
		departmentId: requirement.departmentId,
		jobLevelId: requirement.jobLevelId,
		salary: offer.baseSalary,
		aboveBand: await aboveBand(db, offer, requirement),
		submitterId: offer.submittedBy ?? offer.createdBy ?? requirement.hiringManagerId,
		ownerIds: [...new Set([offer.createdBy, offer.submittedBy].filter((x): x is string => !!x))]
	};
}

/** Sets an offer's status (version bumped) and writes the audit row. */
export async function setOfferStatus(
	unit: Unit,
	before: Offer,
	status: OfferStatus,
	action: string,
	extra: Partial<Offer> = {},
	metadata: Record<string, unknown> | null = null
) {
	const [after] = await unit.tx
		.update(offers)
		.set({ status, ...extra, version: before.version + 1 })
		.where(eq(offers.id, before.id))
		.returning();
	await recordAudit(unit.tx, unit.actor, {
		action: `offer.${action}`,
		entityType: 'offer',
		entityId: before.id,
		before: { status: before.status },
		after: { status },
		metadata
	});
	return after;
}
