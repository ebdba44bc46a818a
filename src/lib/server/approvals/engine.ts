import { and, asc, desc, eq, inArray, isNull, sql } from 'drizzle-orm';
import type { ApprovalSubjectType, ApproverSpec } from '../../domain/approvals';
import { auditSnapshot, recordAudit } from '../audit/audit';
import type { Executor } from '../db/client';
import {
	approvalRounds,
	approvals,
	approvalWorkflowSteps,
	approvalWorkflows,
	departments,
	users,
	type Approval,
	type ApprovalRound,
	type ApprovalWorkflow,
	type StepSnapshot
} from '../db/schema';
import { Conflict, Forbidden, NotFound } from '../errors';
import { notify } from '../notifications/service';
import { departmentAncestry } from '../org/service';
import { subjectHandlers } from './subjects';
import type { ApprovalSubject, SubjectHandlers, Unit } from './types';

function handlersFor(type: ApprovalSubjectType): SubjectHandlers {
	const found = subjectHandlers[type];
	if (!found) throw new Error(`No approval handlers for ${type}`);
	return found;
}

/**
 * Picks the workflow for a subject: among active workflows of its type, those whose conditions
 * all hold (department is the subject's or an ancestor, job level equal, salary above the
 * threshold, above band for offers); the most specific wins — a nearer department, then a job
 * level, then a higher threshold. The default workflow is the fallback.
 */
export async function selectWorkflow(
	db: Executor,
	subject: ApprovalSubject
): Promise<{ workflow: ApprovalWorkflow; steps: StepSnapshot[] }> {
	const candidates = await db
		.select()
		.from(approvalWorkflows)
		.where(
			and(
				eq(approvalWorkflows.subjectType, subject.type),
				eq(approvalWorkflows.isActive, true),
				isNull(approvalWorkflows.deletedAt)
			)
		);
	const ancestry = subject.departmentId ? await departmentAncestry(db, subject.departmentId) : [];
	let best: { workflow: ApprovalWorkflow; score: number } | null = null;
	for (const workflow of candidates) {
		if (workflow.isDefault) continue;
		let score = 0;
		if (workflow.departmentId) {
			const depth = ancestry.indexOf(workflow.departmentId);
			if (depth < 0) continue;
			score += 1000 - depth * 10;
		}
		if (workflow.jobLevelId) {
			if (workflow.jobLevelId !== subject.jobLevelId) continue;
			score += 100;
		}
		if (workflow.minSalary !== null) {
			if (subject.salary === null || subject.salary <= workflow.minSalary) continue;
			score += 10 + workflow.minSalary / 1e9;
		}
		if (workflow.aboveBandOnly) {
			if (!subject.aboveBand) continue;
			score += 50;
		}
		if (score === 0) continue; // no conditions at all: only a default may be unconditional
		if (!best || score > best.score || (score === best.score && workflow.createdAt > best.workflow.createdAt)) {
			best = { workflow, score };
		}
	}
	const workflow = best?.workflow ?? candidates.find((w) => w.isDefault) ?? null;
	if (!workflow) throw new Conflict(`No approval workflow is configured for ${subject.type}s`, 'NO_WORKFLOW');
	const steps = await db
		.select()
		.from(approvalWorkflowSteps)
		.where(and(eq(approvalWorkflowSteps.workflowId, workflow.id), isNull(approvalWorkflowSteps.retiredAt)))
		.orderBy(asc(approvalWorkflowSteps.position));
	if (steps.length === 0) throw new Conflict(`The workflow "${workflow.name}" has no steps`, 'NO_WORKFLOW');
	return {
		workflow,
		steps: steps.map((s) => ({
			stepId: s.id,
			position: s.position,
			name: s.name,
			rule: s.rule,
			requiredCount: s.requiredCount,
			approvers: s.approvers
		}))
	};
}

interface ResolvedApprover {
	userId: string;
	reason: string;
}

/** Who is asked at a step. Owners of the subject are never asked; nobody left → admins. */
async function resolveApprovers(
	db: Executor,
	specs: ApproverSpec[],
	subject: ApprovalSubject
): Promise<ResolvedApprover[]> {
	const found = new Map<string, string>();
	const active = and(eq(users.isActive, true), isNull(users.deletedAt));
	for (const spec of specs) {
		if (spec.type === 'role') {
			const rows = await db
				.select({ id: users.id })
				.from(users)
				.where(and(active, eq(users.role, spec.role)));
			for (const row of rows) if (!found.has(row.id)) found.set(row.id, `role:${spec.role}`);
		} else if (spec.type === 'user') {
			const [row] = await db
				.select({ id: users.id })
				.from(users)
				.where(and(active, eq(users.id, spec.userId)));
			if (row && !found.has(row.id)) found.set(row.id, 'named');
		} else if (spec.type === 'department_head' && subject.departmentId) {
			// The nearest department up the tree that has a head.
			for (const departmentId of await departmentAncestry(db, subject.departmentId)) {
				const [dept] = await db
					.select({ headUserId: departments.headUserId })
					.from(departments)
					.where(eq(departments.id, departmentId));
				if (!dept?.headUserId) continue;
				const [head] = await db
					.select({ id: users.id })
					.from(users)
					.where(and(active, eq(users.id, dept.headUserId)));
				if (head && !subject.ownerIds.includes(head.id)) {
					if (!found.has(head.id)) found.set(head.id, 'department_head');
					break;
				}
			}
		}
	}
	for (const owner of subject.ownerIds) found.delete(owner);
	if (found.size === 0) {
		const admins = await db
			.select({ id: users.id })
			.from(users)
			.where(and(active, inArray(users.role, ['admin', 'super_admin'])));
		for (const admin of admins)
			if (!subject.ownerIds.includes(admin.id)) found.set(admin.id, 'escalated:no_eligible_approver');
	}
	return [...found].map(([userId, reason]) => ({ userId, reason }));
}

async function openStep(
	unit: Unit,
	subject: ApprovalSubject,
	round: ApprovalRound,
	step: StepSnapshot
): Promise<Approval[]> {
	const approvers = await resolveApprovers(unit.tx, step.approvers, subject);
	if (approvers.length === 0) {
		throw new Conflict(`Nobody can approve step "${step.name}": add approvers to the workflow`, 'NO_APPROVERS');
	}
	const rows = await unit.tx
		.insert(approvals)
		.values(
			approvers.map((a) => ({
				subjectType: subject.type,
				subjectId: subject.id,
				roundId: round.id,
				workflowId: round.workflowId,
				stepId: step.stepId,
				stepPosition: step.position,
				stepName: step.name,
				stepRule: step.rule,
				stepRequiredCount: step.requiredCount,
				round: round.round,
				approverId: a.userId,
				reason: a.reason
			}))
		)
		.returning();
	await unit.tx.update(approvalRounds).set({ currentPosition: step.position }).where(eq(approvalRounds.id, round.id));
	await notify(unit, {
		userIds: rows.map((r) => r.approverId),
		kind: 'approval_needed',
		title: `Approval needed: ${subject.title}`,
		body: `Step "${step.name}" of the ${subject.type} "${subject.title}" waits for your decision.`,
		link: subject.link,
		subjectType: subject.type,
		subjectId: subject.id
	});
	return rows;
}

/** Starts a new round of the chain at step 1 (a submission, a resubmission or a reset). */
export async function startChain(unit: Unit, subject: ApprovalSubject): Promise<ApprovalRound> {
	const { workflow, steps } = await selectWorkflow(unit.tx, subject);
	const [last] = await unit.tx
		.select({ round: approvalRounds.round })
		.from(approvalRounds)
		.where(and(eq(approvalRounds.subjectType, subject.type), eq(approvalRounds.subjectId, subject.id)))
		.orderBy(desc(approvalRounds.round))
		.limit(1);
	const [round] = await unit.tx
		.insert(approvalRounds)
		.values({
			subjectType: subject.type,
			subjectId: subject.id,
			round: (last?.round ?? 0) + 1,
			workflowId: workflow.id,
			workflowName: workflow.name,
			steps,
			currentPosition: steps[0].position,
			startedBy: unit.actor.userId
		})
		.returning();
	await openStep(unit, subject, round, steps[0]);
	await recordAudit(unit.tx, unit.actor, {
		action: 'approval.chain_started',
		entityType: subject.type,
		entityId: subject.id,
		metadata: { round: round.round, workflow: workflow.name, workflow_id: workflow.id }
	});
	return round;
}

async function activeRound(db: Executor, type: ApprovalSubjectType, id: string): Promise<ApprovalRound | null> {
	const [round] = await db
		.select()
		.from(approvalRounds)
		.where(
			and(eq(approvalRounds.subjectType, type), eq(approvalRounds.subjectId, id), eq(approvalRounds.status, 'active'))
		)
		.for('update');
	return round ?? null;
}

async function finishRound(unit: Unit, round: ApprovalRound, status: ApprovalRound['status'], note: string | null) {
	await unit.tx
		.update(approvals)
		.set({ status: 'cancelled' })
		.where(and(eq(approvals.roundId, round.id), eq(approvals.status, 'pending')));
	await unit.tx
		.update(approvalRounds)
		.set({ status, outcomeNote: note, finishedAt: new Date() })
		.where(eq(approvalRounds.id, round.id));
}

/** Ends the active round without an outcome (the subject was cancelled or withdrawn). */
export async function cancelChain(
	unit: Unit,
	subjectType: ApprovalSubjectType,
	subjectId: string,
	note: string
): Promise<boolean> {
	const round = await activeRound(unit.tx, subjectType, subjectId);
	if (!round) return false;
	await finishRound(unit, round, 'cancelled', note);
	return true;
}

/**
 * Approval-relevant fields changed: the round in flight is closed as `reset` and a new round
 * starts at step 1. Audited with the reason.
 */
export async function resetChain(unit: Unit, subject: ApprovalSubject, reason: string): Promise<ApprovalRound> {
	const round = await activeRound(unit.tx, subject.type, subject.id);
	if (round) await finishRound(unit, round, 'reset', reason);
	await recordAudit(unit.tx, unit.actor, {
		action: 'approval.chain_reset',
		entityType: subject.type,
		entityId: subject.id,
		metadata: { reason, previous_round: round?.round ?? null }
	});
	return startChain(unit, subject);
}

export type Decision = 'approve' | 'reject' | 'request_info';

export interface DecisionResult {
	approval: Approval;
	/** What the decision did to the chain. */
	outcome: 'step_open' | 'next_step' | 'approved' | 'rejected' | 'info_requested';
}

function stepSatisfied(
	rule: StepSnapshot['rule'],
	requiredCount: number | null,
	approved: number,
	total: number
): boolean {
	if (rule === 'any') return approved >= 1;
	if (rule === 'all') return approved >= total;
	return approved >= Math.min(requiredCount ?? 1, total);
}

/**
 * Records an approver's decision. Approve: when the step's rule is met the next step opens, and
 * after the last step the subject is approved. Reject ends the chain. Request-info sends the
 * subject back to its submitter. The approver decides for themselves; an admin may decide on
 * their behalf (recorded as such); nobody decides on their own request.
 */
export async function decide(
	unit: Unit,
	approvalId: string,
	decision: Decision,
	comment: string | null
): Promise<DecisionResult> {
	const { actor, tx } = unit;
	const [found] = await tx
		.select({ subjectType: approvals.subjectType, subjectId: approvals.subjectId })
		.from(approvals)
		.where(eq(approvals.id, approvalId));
	if (!found) throw new NotFound('Approval');
	// Lock order: the subject first, then its approvals — as edits, resets and cancellations do.
	// Locking this approval first deadlocked with a concurrent decision that closes the step
	// (it updates the sibling approvals while holding the subject).
	const handlers = handlersFor(found.subjectType);
	const subject = await handlers.load(unit, found.subjectId);
	if (!subject) throw new NotFound('The approved record');
	const [approval] = await tx.select().from(approvals).where(eq(approvals.id, approvalId)).for('update');
	const isApprover = approval.approverId === actor.userId;
	const isAdmin = actor.role === 'admin' || actor.role === 'super_admin';
	if (!isApprover && !isAdmin) throw new Forbidden('This approval is not yours');
	if (actor.userId && subject.ownerIds.includes(actor.userId)) {
		throw new Forbidden('Nobody approves their own request');
	}
	if (approval.status !== 'pending') {
		throw new Conflict(`This approval is already ${approval.status.replace('_', ' ')}`, 'APPROVAL_CLOSED', approval);
	}
	const round = await activeRound(tx, approval.subjectType, approval.subjectId);
	if (!round || round.id !== approval.roundId) throw new Conflict('This approval round has ended', 'APPROVAL_CLOSED');

	const status = decision === 'approve' ? 'approved' : decision === 'reject' ? 'rejected' : 'info_requested';
	const [decided] = await tx
		.update(approvals)
		.set({ status, comment, decidedAt: new Date(), decidedBy: actor.userId, onBehalf: !isApprover })
		.where(eq(approvals.id, approval.id))
		.returning();
	await recordAudit(
		tx,
		{ ...actor, onBehalfOfId: isApprover ? null : approval.approverId },
		{
			action: `approval.${status}`,
			entityType: approval.subjectType,
			entityId: approval.subjectId,
			before: auditSnapshot(approval),
			after: auditSnapshot(decided),
			metadata: {
				approval_id: approval.id,
				step: approval.stepName,
				round: approval.round,
				on_behalf: !isApprover,
				comment
			}
		}
	);

	if (decision === 'reject') {
		await finishRound(unit, round, 'rejected', comment);
		await handlers.onRejected(unit, subject, comment);
		return { approval: decided, outcome: 'rejected' };
	}
	if (decision === 'request_info') {
		await finishRound(unit, round, 'info_requested', comment);
		await handlers.onInfoRequested(unit, subject, comment);
		return { approval: decided, outcome: 'info_requested' };
	}

	const stepRows = await tx
		.select({ status: approvals.status })
		.from(approvals)
		.where(and(eq(approvals.roundId, round.id), eq(approvals.stepPosition, approval.stepPosition)));
	const approvedCount = stepRows.filter((r) => r.status === 'approved').length;
	if (!stepSatisfied(approval.stepRule, approval.stepRequiredCount, approvedCount, stepRows.length)) {
		return { approval: decided, outcome: 'step_open' };
	}
	await tx
		.update(approvals)
		.set({ status: 'skipped' })
		.where(
			and(
				eq(approvals.roundId, round.id),
				eq(approvals.stepPosition, approval.stepPosition),
				eq(approvals.status, 'pending')
			)
		);
	const next = round.steps.find((s) => s.position > approval.stepPosition);
	if (next) {
		await openStep(unit, subject, round, next);
		return { approval: decided, outcome: 'next_step' };
	}
	await tx
		.update(approvalRounds)
		.set({ status: 'approved', finishedAt: new Date() })
		.where(eq(approvalRounds.id, round.id));
	await handlers.onApproved(unit, subject);
	return { approval: decided, outcome: 'approved' };
}

export interface ChainApproval {
	id: string;
	approverId: string;
	approverName: string;
	status: Approval['status'];
	comment: string | null;
	decidedAt: Date | null;
	decidedByName: string | null;
	onBehalf: boolean;
	reason: string | null;
}

export interface ChainStep {
	position: number;
	name: string;
	rule: StepSnapshot['rule'];
	requiredCount: number | null;
	state: 'waiting' | 'open' | 'done' | 'rejected' | 'closed';
	approvals: ChainApproval[];
}

export interface ChainRound {
	id: string;
	round: number;
	workflowName: string;
	status: ApprovalRound['status'];
	outcomeNote: string | null;
	createdAt: Date;
	finishedAt: Date | null;
	steps: ChainStep[];
}

/** Every round of a subject's chain with each step's state and each approver's decision. */
export async function chainOf(
	db: Executor,
	subjectType: ApprovalSubjectType,
	subjectId: string
): Promise<ChainRound[]> {
	const rounds = await db
		.select()
		.from(approvalRounds)
		.where(and(eq(approvalRounds.subjectType, subjectType), eq(approvalRounds.subjectId, subjectId)))
		.orderBy(desc(approvalRounds.round));
	if (rounds.length === 0) return [];
	const decider = sql<string | null>`(select name from users d where d.id = ${approvals.decidedBy})`;
	const rows = await db
		.select({ a: approvals, approverName: users.name, decidedByName: decider })
		.from(approvals)
		.innerJoin(users, eq(users.id, approvals.approverId))
		.where(
			inArray(
				approvals.roundId,
				rounds.map((r) => r.id)
			)
		)
		.orderBy(asc(approvals.stepPosition), asc(users.name));
	return rounds.map((round) => ({
		id: round.id,
		round: round.round,
		workflowName: round.workflowName,
		status: round.status,
		outcomeNote: round.outcomeNote,
		createdAt: round.createdAt,
		finishedAt: round.finishedAt,
		steps: round.steps.map((step) => {
			const stepApprovals = rows
				.filter((r) => r.a.roundId === round.id && r.a.stepPosition === step.position)
				.map((r) => ({
					id: r.a.id,
					approverId: r.a.approverId,
					approverName: r.approverName,
					status: r.a.status,
					comment: r.a.comment,
					decidedAt: r.a.decidedAt,
					decidedByName: r.decidedByName,
					onBehalf: r.a.onBehalf,
					reason: r.a.reason
				}));
			let state: ChainStep['state'];
			if (stepApprovals.length === 0) state = round.status === 'active' ? 'waiting' : 'closed';
			else if (stepApprovals.some((a) => a.status === 'rejected' || a.status === 'info_requested')) state = 'rejected';
			else if (stepApprovals.some((a) => a.status === 'pending')) state = 'open';
			else if (stepApprovals.some((a) => a.status === 'approved')) state = 'done';
			else state = 'closed';
			return {
				position: step.position,
				name: step.name,
				rule: step.rule,
				requiredCount: step.requiredCount,
				state,
				approvals: stepApprovals
			};
		})
	}));
}

/** Pending approvals waiting for one user (their inbox). */
export async function pendingApprovalsFor(db: Executor, userId: string) {
	return db
		.select()
		.from(approvals)
		.where(and(eq(approvals.approverId, userId), eq(approvals.status, 'pending')))
		.orderBy(asc(approvals.createdAt));
}
