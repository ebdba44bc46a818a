import { and, asc, eq } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import { requirementReference } from '../../domain/requirements';
import { can } from '../../permissions';
import { subjectOf, type Actor } from '../actor';
import { inTransaction } from '../db/transaction';
import { approvals, departments, requirements, users } from '../db/schema';
import { Forbidden, ValidationFailed } from '../errors';
import type { Runtime } from '../runtime';
import { decide, type Decision, type DecisionResult } from './engine';

const submitter = alias(users, 'submitter');
const approver = alias(users, 'approver');

/**
 * Approvals waiting for the caller (their inbox), with what they are about. Admins may ask for
 * everyone's (`all`), to decide on someone's behalf.
 */
export async function listPendingApprovals(rt: Runtime, actor: Actor, options: { all?: boolean } = {}) {
	const subject = subjectOf(actor);
	if (!subject || !can(subject, 'list', 'approval')) throw new Forbidden();
	const everyone = options.all && (subject.role === 'admin' || subject.role === 'super_admin');
	const rows = await rt.db
		.select({
			a: approvals,
			approverName: approver.name,
			requirement: {
				id: requirements.id,
				number: requirements.number,
				title: requirements.title,
				status: requirements.status,
				headcount: requirements.headcount,
				salaryMin: requirements.salaryMin,
				salaryMax: requirements.salaryMax,
				currency: requirements.currency,
				departmentName: departments.name,
				submittedAt: requirements.submittedAt
			},
			submitterName: submitter.name
		})
		.from(approvals)
		.innerJoin(approver, eq(approver.id, approvals.approverId))
		.leftJoin(requirements, and(eq(approvals.subjectType, 'requirement'), eq(requirements.id, approvals.subjectId)))
		.leftJoin(departments, eq(departments.id, requirements.departmentId))
		.leftJoin(submitter, eq(submitter.id, requirements.submittedBy))
		.where(and(eq(approvals.status, 'pending'), everyone ? undefined : eq(approvals.approverId, subject.id)))
		.orderBy(asc(approvals.createdAt));
	return rows.map((r) => ({
		id: r.a.id,
		subjectType: r.a.subjectType,
		subjectId: r.a.subjectId,
		stepName: r.a.stepName,
		stepPosition: r.a.stepPosition,
		stepRule: r.a.stepRule,
		round: r.a.round,
		approverId: r.a.approverId,
		approverName: r.approverName,
		waitingSince: r.a.createdAt,
		submitterName: r.submitterName,
		subject:
			r.a.subjectType === 'requirement' && r.requirement
				? {
						...r.requirement,
						reference: requirementReference(r.requirement.number ?? 0),
						link: `/requirements/${r.a.subjectId}`
					}
				: null
	}));
}

/** Approves, rejects or asks for more information (reject and request-info need a comment). */
export async function decideApproval(
	rt: Runtime,
	actor: Actor,
	approvalId: string,
	decision: Decision,
	comment: string | null | undefined
): Promise<DecisionResult> {
	if (!can(subjectOf(actor), 'list', 'approval')) throw new Forbidden();
	if (decision !== 'approve' && !comment) {
		throw new ValidationFailed([
			{ field: 'comment', message: decision === 'reject' ? 'Say why you reject it' : 'Say what information you need' }
		]);
	}
	return inTransaction(
		rt.db,
		(tx, afterCommit) => decide({ rt, actor, tx, afterCommit }, approvalId, decision, comment ?? null),
		(err) => rt.logger.error({ err }, 'after-commit work failed')
	);
}
