import { and, count, desc, eq, exists, isNull, lt, or, sql, type SQL } from 'drizzle-orm';
import { OFFER_APPROVAL_FIELDS, type OfferStatus } from '../../domain/interviews';
import { can, type Relation } from '../../permissions';
import type { CreateOfferInput, UpdateOfferInput } from '../../schemas/interviews';
import { SYSTEM_ACTOR, subjectOf, type Actor } from '../actor';
import { cancelChain, chainOf, resetChain, startChain } from '../approvals/engine';
import type { Unit } from '../approvals/types';
import { auditSnapshot, recordAudit } from '../audit/audit';
import type { Executor } from '../db/client';
import { lockForUpdate } from '../db/locking';
import { inTransaction } from '../db/transaction';
import { applications, approvals, candidates, offers, requirements, type Offer, type Requirement } from '../db/schema';
import { Conflict, Forbidden, NotFound, ValidationFailed } from '../errors';
import type { Page } from '../http/envelope';
import { notify } from '../notifications/service';
import { moveInTransaction } from '../pipeline/service';
import { setStatus as setRequirementStatus } from '../requirements/status';
import { scopedRelationsTo } from '../requirements/visibility';
import type { Runtime } from '../runtime';
import { departmentScope, requirementScopeCondition } from '../scope/departments';
import { newLinkNonce, offerToken, verifyOfferToken } from './links';
import { generateOfferLetterJob } from '$worker/jobs/offer-letter';
import { aboveBand, loadRequirement, setOfferStatus, toApprovalSubject } from './status';

/** The actor's relations to an offer's requirement: owner, or outside their departments. */
async function relationsTo(db: Executor, actor: Actor, r: Requirement): Promise<Relation[]> {
	return scopedRelationsTo(actor, r, await departmentScope(db, actor));
}

async function loadOffer(db: Executor, id: string): Promise<Offer> {
	const [row] = await db
		.select()
		.from(offers)
		.where(and(eq(offers.id, id), isNull(offers.deletedAt)));
	if (!row) throw new NotFound('Offer');
	return row;
}

async function assertOfferAccess(
	db: Executor,
	actor: Actor,
	offer: Offer,
	action: 'read' | 'update' | 'create'
): Promise<Requirement> {
	const requirement = await loadRequirement(db, offer.requirementId);
	const relations = await relationsTo(db, actor, requirement);
	if (action === 'read' && actor.userId) {
		const rounds = await chainOf(db, 'offer', offer.id);
		if (rounds.some((r) => r.steps.some((s) => s.approvals.some((a) => a.approverId === actor.userId))))
			relations.push('assigned_approver');
	}
	if (!can(subjectOf(actor), action, 'offer', relations)) throw new Forbidden();
	return requirement;
}

/** An offer with the candidate's and requirement's names and its approval chain. */
export async function getOffer(rt: Runtime, actor: Actor, id: string) {
	const offer = await loadOffer(rt.db, id);
	const requirement = await assertOfferAccess(rt.db, actor, offer, 'read');
	const [candidate] = await rt.db
		.select({ name: candidates.name, emails: candidates.emails })
		.from(candidates)
		.where(eq(candidates.id, offer.candidateId));
	const { linkNonce: _nonce, ...rest } = offer;
	return {
		...rest,
		candidateName: candidate?.name ?? null,
		candidateEmail: candidate?.emails[0] ?? null,
		requirementTitle: requirement.title,
		aboveBand: await aboveBand(rt.db, offer, requirement),
		approvals: await chainOf(rt.db, 'offer', id)
	};
}

/** Offers by status / requirement, newest first. */
export async function listOffers(
	rt: Runtime,
	actor: Actor,
	q: { page: number; page_size: number; status?: OfferStatus; requirement_id?: string; application_id?: string }
): Promise<Page<Offer & { candidateName: string; requirementTitle: string }>> {
	const subject = subjectOf(actor);
	if (!can(subject, 'list', 'offer')) throw new Forbidden();
	const conditions: SQL[] = [isNull(offers.deletedAt)];
	// The list shows what the caller could open one by one (the same relations as getOffer):
	// roles that read every offer see all (of the departments they work for); others the offers
	// of requirements they own; everyone those they hold an approval on.
	const seesAll = can(subject, 'read', 'offer');
	const inScope = seesAll ? requirementScopeCondition(await departmentScope(rt.db, actor), actor) : undefined;
	if (!seesAll || inScope) {
		const visible: SQL[] = inScope ? [inScope] : [];
		if (!seesAll && actor.userId && can(subject, 'read', 'offer', ['owner'])) {
			visible.push(or(eq(requirements.hiringManagerId, actor.userId), eq(requirements.createdBy, actor.userId))!);
		}
		if (actor.userId && can(subject, 'read', 'offer', ['assigned_approver'])) {
			visible.push(
				exists(
					rt.db
						.select({ one: sql`1` })
						.from(approvals)
						.where(
							and(
								eq(approvals.subjectType, 'offer'),
								eq(approvals.subjectId, offers.id),
								eq(approvals.approverId, actor.userId)
							)
						)
				)
			);
		}
		conditions.push(visible.length ? or(...visible)! : sql`false`);
	}
	if (q.status) conditions.push(eq(offers.status, q.status));
	if (q.requirement_id) conditions.push(eq(offers.requirementId, q.requirement_id));
	if (q.application_id) conditions.push(eq(offers.applicationId, q.application_id));
	const where = and(...conditions);
	const [{ total }] = await rt.db
		.select({ total: count() })
		.from(offers)
		.innerJoin(requirements, eq(requirements.id, offers.requirementId))
		.where(where);
	const rows = await rt.db
		.select({ o: offers, candidateName: candidates.name, requirementTitle: requirements.title })
		.from(offers)
		.innerJoin(candidates, eq(candidates.id, offers.candidateId))
		.innerJoin(requirements, eq(requirements.id, offers.requirementId))
		.where(where)
		.orderBy(desc(offers.createdAt))
		.limit(q.page_size)
		.offset((q.page - 1) * q.page_size);
	return {
		items: rows.map((r) => ({
			...r.o,
			linkNonce: null,
			candidateName: r.candidateName,
			requirementTitle: r.requirementTitle
		})),
		total,
		page: q.page,
		pageSize: q.page_size
	};
}

/** Drafts an offer for an application (one live offer per application). */
export async function createOffer(rt: Runtime, actor: Actor, input: CreateOfferInput) {
	const id = await inTransaction(rt.db, async (tx) => {
		const [app] = await tx
			.select()
			.from(applications)
			.where(and(eq(applications.id, input.application_id), isNull(applications.deletedAt)));
		if (!app) throw new ValidationFailed([{ field: 'application_id', message: 'No such application' }]);
		const requirement = await loadRequirement(tx, app.requirementId);
		if (!can(subjectOf(actor), 'create', 'offer', await relationsTo(tx, actor, requirement))) throw new Forbidden();
		if (app.stage === 'rejected' || app.stage === 'withdrawn')
			throw new Conflict(`The candidate is ${app.stage}`, 'APPLICATION_CLOSED');
		const [live] = await tx
			.select({ id: offers.id })
			.from(offers)
			.where(
				and(
					eq(offers.applicationId, app.id),
					isNull(offers.deletedAt),
					sql`${offers.status} not in ('declined','expired','withdrawn')`
				)
			);
		if (live)
			throw new Conflict('This application already has an offer in progress', 'OFFER_EXISTS', { offer_id: live.id });
		const [row] = await tx
			.insert(offers)
			.values({
				applicationId: app.id,
				requirementId: app.requirementId,
				candidateId: app.candidateId,
				baseSalary: input.base_salary,
				currency: input.currency,
				bonus: input.bonus ?? null,
				equity: input.equity ?? null,
				startDate: input.start_date,
				expiryDate: input.expiry_date,
				contractType: input.contract_type,
				notes: input.notes ?? null,
				createdBy: actor.userId
			})
			.returning();
		await recordAudit(tx, actor, {
			action: 'offer.created',
			entityType: 'offer',
			entityId: row.id,
			after: auditSnapshot(row)
		});
		return row.id;
	});
	return getOffer(rt, actor, id);
}

const FIELD_MAP = {
	base_salary: 'baseSalary',
	currency: 'currency',
	bonus: 'bonus',
	equity: 'equity',
	start_date: 'startDate',
	expiry_date: 'expiryDate',
	contract_type: 'contractType',
	notes: 'notes'
} as const;

/**
 * Changes an offer (version-checked). Changing salary, bonus, equity, currency or start date of
 * a pending or approved offer sends it back through approval from step 1 (audited). An
 * extended offer cannot change: withdraw it and make a new one.
 */
export async function updateOffer(rt: Runtime, actor: Actor, id: string, input: UpdateOfferInput) {
	await inTransaction(rt.db, async (tx, afterCommit) => {
		const before = await lockForUpdate(tx, offers, id, input.version, 'Offer', isNull(offers.deletedAt), {
			authorize: async (row) => void (await assertOfferAccess(tx, actor, row, 'update'))
		});
		if (!['draft', 'pending_approval', 'approved'].includes(before.status)) {
			throw new Conflict(`A ${before.status} offer cannot be changed; withdraw it and make a new one`, 'OFFER_LOCKED');
		}
		const changes: Partial<Offer> = {};
		for (const [field, column] of Object.entries(FIELD_MAP) as Array<
			[keyof typeof FIELD_MAP, (typeof FIELD_MAP)[keyof typeof FIELD_MAP]]
		>) {
			const value = input[field];
			if (value !== undefined && JSON.stringify(value) !== JSON.stringify(before[column]))
				(changes as Record<string, unknown>)[column] = value;
		}
		const next = { ...before, ...changes };
		if (next.expiryDate > next.startDate)
			throw new ValidationFailed([{ field: 'expiry_date', message: 'The offer must expire before the start date' }]);
		if (Object.keys(changes).length === 0) return;
		const relevant = OFFER_APPROVAL_FIELDS.filter((f) => f in changes);
		const resets = relevant.length > 0 && (before.status === 'pending_approval' || before.status === 'approved');
		const [after] = await tx
			.update(offers)
			.set({
				...changes,
				...(resets ? { status: 'pending_approval' as const, approvedAt: null } : {}),
				version: before.version + 1
			})
			.where(eq(offers.id, id))
			.returning();
		await recordAudit(tx, actor, {
			action: 'offer.updated',
			entityType: 'offer',
			entityId: id,
			before: auditSnapshot(before),
			after: auditSnapshot(after),
			metadata: resets ? { approvals_reset: true, fields: relevant } : null
		});
		if (resets)
			await resetChain(
				{ rt, actor, tx, afterCommit },
				await toApprovalSubject(tx, after),
				`Changed ${relevant.join(', ')} after submission`
			);
	});
	return getOffer(rt, actor, id);
}

/** Submits a draft offer to its approval chain (workflows for offers, above-band ones may add steps). */
export async function submitOffer(rt: Runtime, actor: Actor, id: string) {
	await inTransaction(rt.db, async (tx, afterCommit) => {
		const before = await lockForUpdate(tx, offers, id, undefined, 'Offer', isNull(offers.deletedAt));
		await assertOfferAccess(tx, actor, before, 'update');
		if (before.status !== 'draft')
			throw new Conflict(`Only a draft offer can be submitted (this one is ${before.status})`, 'ILLEGAL_TRANSITION');
		const unit: Unit = { rt, actor, tx, afterCommit };
		const after = await setOfferStatus(unit, before, 'pending_approval', 'submitted', {
			submittedBy: actor.userId,
			submittedAt: new Date()
		});
		await startChain(unit, await toApprovalSubject(tx, after));
	});
	return getOffer(rt, actor, id);
}

/**
 * Extends an approved offer: a fresh signed link (earlier ones stop working) and a job that
 * renders the offer letter to PDF and e-mails it to the candidate with the link.
 */
export async function extendOffer(rt: Runtime, actor: Actor, id: string) {
	await inTransaction(rt.db, async (tx, afterCommit) => {
		const before = await lockForUpdate(tx, offers, id, undefined, 'Offer', isNull(offers.deletedAt));
		await assertOfferAccess(tx, actor, before, 'update');
		if (before.status !== 'approved')
			throw new Conflict(`Only an approved offer can be extended (this one is ${before.status})`, 'ILLEGAL_TRANSITION');
		// Its link would be dead on arrival: change the expiry date (a new approval) instead.
		if (before.expiryDate < new Date().toISOString().slice(0, 10))
			throw new Conflict('The offer expired on its expiry date; change the date first', 'OFFER_EXPIRED');
		const unit: Unit = { rt, actor, tx, afterCommit };
		await setOfferStatus(unit, before, 'extended', 'extended', { extendedAt: new Date(), linkNonce: newLinkNonce() });
		await rt.jobs.enqueue(
			generateOfferLetterJob,
			{ offerId: id },
			{ tx, afterCommit, createdBy: actor.userId, dedupeKey: `offer-letter:${id}:${before.version + 1}` }
		);
	});
	return getOffer(rt, actor, id);
}

/** Withdraws an offer (not once accepted); its chain and link end. */
export async function withdrawOffer(rt: Runtime, actor: Actor, id: string, reason?: string | null) {
	await inTransaction(rt.db, async (tx, afterCommit) => {
		const before = await lockForUpdate(tx, offers, id, undefined, 'Offer', isNull(offers.deletedAt));
		await assertOfferAccess(tx, actor, before, 'update');
		if (['accepted', 'declined', 'expired', 'withdrawn'].includes(before.status))
			throw new Conflict(`The offer is already ${before.status}`, 'ILLEGAL_TRANSITION');
		const unit: Unit = { rt, actor, tx, afterCommit };
		await cancelChain(unit, 'offer', id, reason ?? 'Offer withdrawn');
		await setOfferStatus(unit, before, 'withdrawn', 'withdrawn', { linkNonce: null }, reason ? { reason } : null);
	});
	return getOffer(rt, actor, id);
}

/** The candidate's link for an extended offer (for the letter e-mail). */
export function candidateLink(rt: Runtime, offer: Offer): string {
	if (!offer.linkNonce) throw new Conflict('This offer has no active link', 'NO_LINK');
	const expires = new Date(`${offer.expiryDate}T23:59:59Z`);
	return new URL(`/offer/${offerToken(rt.secretKey, offer.id, expires, offer.linkNonce)}`, rt.config.ORIGIN).href;
}

/** Resolves a candidate link to its offer, or says why not (tampered, expired, replaced, closed). */
export async function offerForLink(rt: Runtime, token: string) {
	const check = verifyOfferToken(rt.secretKey, token);
	if (!check.ok) return { ok: false as const, reason: check.reason };
	const [offer] = await rt.db
		.select()
		.from(offers)
		.where(and(eq(offers.id, check.offerId), isNull(offers.deletedAt)));
	if (!offer || offer.linkNonce !== check.nonce) return { ok: false as const, reason: 'replaced' as const };
	const [context] = await rt.db
		.select({ candidateName: candidates.name, requirementTitle: requirements.title })
		.from(candidates)
		.innerJoin(requirements, eq(requirements.id, offer.requirementId))
		.where(eq(candidates.id, offer.candidateId));
	return {
		ok: true as const,
		offer,
		candidateName: context?.candidateName ?? '',
		requirementTitle: context?.requirementTitle ?? ''
	};
}

/**
 * The candidate accepts or declines through their link. Accepting, in ONE transaction: the
 * offer is accepted, the application moves to `hired`, and the requirement becomes `filled`
 * when its headcount of hires is reached (not before). Audited; the team is told.
 */
export async function respondToOffer(
	rt: Runtime,
	token: string,
	decision: 'accept' | 'decline',
	reason: string | null,
	meta: { ip?: string | null; userAgent?: string | null }
) {
	const found = await offerForLink(rt, token);
	if (!found.ok)
		throw new Forbidden(found.reason === 'expired' ? 'This offer link has expired' : 'This offer link is not valid');
	const actor: Actor = { ...SYSTEM_ACTOR, name: 'Candidate', ip: meta.ip ?? null, userAgent: meta.userAgent ?? null };
	return inTransaction(rt.db, async (tx, afterCommit) => {
		const unit: Unit = { rt, actor, tx, afterCommit };
		const before = await lockForUpdate(tx, offers, found.offer.id, undefined, 'Offer', isNull(offers.deletedAt));
		if (before.linkNonce !== found.offer.linkNonce) throw new Forbidden('This offer link is not valid');
		if (before.status !== 'extended')
			throw new Conflict(`This offer is ${before.status}`, 'OFFER_CLOSED', { status: before.status });
		if (before.expiryDate < new Date().toISOString().slice(0, 10))
			throw new Conflict('This offer has expired', 'OFFER_EXPIRED');
		const notifyTeam = async (kind: 'offer_accepted' | 'offer_declined', title: string, body: string) => {
			const requirement = await loadRequirement(tx, before.requirementId);
			await notify(unit, {
				userIds: [before.createdBy, requirement.hiringManagerId].filter((x): x is string => !!x),
				kind,
				title,
				body,
				link: `/offers/${before.id}`,
				subjectType: 'offer',
				subjectId: before.id
			});
		};
		if (decision === 'decline') {
			const after = await setOfferStatus(
				unit,
				before,
				'declined',
				'declined',
				{ respondedAt: new Date(), declineReason: reason, linkNonce: null },
				{ via: 'candidate_link' }
			);
			await notifyTeam(
				'offer_declined',
				`Offer declined: ${found.candidateName}`,
				`${found.candidateName} declined the offer for ${found.requirementTitle}${reason ? `: ${reason}` : '.'}`
			);
			return { status: after.status, filled: false };
		}
		const after = await setOfferStatus(
			unit,
			before,
			'accepted',
			'accepted',
			{ respondedAt: new Date(), linkNonce: null },
			{ via: 'candidate_link' }
		);
		await moveInTransaction(tx, rt, afterCommit, actor, before.applicationId, { stage: 'hired' }, 'system', {
			system: true
		});
		const filled = await fillIfHeadcountReached(unit, before.requirementId);
		await notifyTeam(
			'offer_accepted',
			`Offer accepted: ${found.candidateName}`,
			`${found.candidateName} accepted the offer for ${found.requirementTitle}.${filled ? ' The requirement is now filled.' : ''}`
		);
		return { status: after.status, filled };
	});
}

/** Marks the requirement filled once its live hires reach its headcount. */
async function fillIfHeadcountReached(unit: Unit, requirementId: string): Promise<boolean> {
	const [requirement] = await unit.tx
		.select()
		.from(requirements)
		.where(eq(requirements.id, requirementId))
		.for('update');
	if (!requirement || requirement.status !== 'open') return false;
	const [{ hires }] = await unit.tx
		.select({ hires: count() })
		.from(applications)
		.where(
			and(
				eq(applications.requirementId, requirementId),
				eq(applications.stage, 'hired'),
				isNull(applications.deletedAt)
			)
		);
	if (hires < requirement.headcount) return false;
	await setRequirementStatus(
		unit,
		requirement,
		'filled',
		'filled',
		{ filledAt: new Date() },
		{ hires, headcount: requirement.headcount }
	);
	return true;
}

/** Extended offers past their expiry date become `expired` (run by a scheduled job). */
export async function expireOffers(rt: Runtime): Promise<number> {
	const due = await rt.db
		.select({ id: offers.id })
		.from(offers)
		// The UTC date, as the candidate's link and acceptance reckon it (not the database
		// session's time zone, which would expire offers hours early or late).
		.where(
			and(
				eq(offers.status, 'extended'),
				lt(offers.expiryDate, new Date().toISOString().slice(0, 10)),
				isNull(offers.deletedAt)
			)
		);
	for (const { id } of due) {
		await inTransaction(rt.db, async (tx, afterCommit) => {
			const before = await lockForUpdate(tx, offers, id, undefined, 'Offer');
			if (before.status !== 'extended') return;
			await setOfferStatus({ rt, actor: SYSTEM_ACTOR, tx, afterCommit }, before, 'expired', 'expired', {
				linkNonce: null
			});
		});
	}
	return due.length;
}
