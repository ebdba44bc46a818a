import { and, asc, eq, inArray, isNull, ne } from 'drizzle-orm';
import { can } from '../../permissions';
import type { WorkflowInput, WorkflowUpdateInput } from '../../schemas/workflows';
import { subjectOf, type Actor } from '../actor';
import { auditSnapshot, recordAudit } from '../audit/audit';
import type { Executor, Transaction } from '../db/client';
import { lockForUpdate } from '../db/locking';
import { inTransaction } from '../db/transaction';
import {
	approvalWorkflowSteps,
	approvalWorkflows,
	departments,
	jobLevels,
	users,
	type ApprovalWorkflow,
	type ApprovalWorkflowStep
} from '../db/schema';
import { Conflict, Forbidden, NotFound, ValidationFailed, type FieldIssue } from '../errors';
import type { Runtime } from '../runtime';

export type WorkflowView = ApprovalWorkflow & { steps: ApprovalWorkflowStep[] };

async function withSteps(db: Executor, rows: ApprovalWorkflow[]): Promise<WorkflowView[]> {
	if (rows.length === 0) return [];
	const steps = await db
		.select()
		.from(approvalWorkflowSteps)
		.where(
			and(
				inArray(
					approvalWorkflowSteps.workflowId,
					rows.map((r) => r.id)
				),
				isNull(approvalWorkflowSteps.retiredAt)
			)
		)
		.orderBy(asc(approvalWorkflowSteps.position));
	return rows.map((r) => ({ ...r, steps: steps.filter((s) => s.workflowId === r.id) }));
}

/** All live workflows with their steps. */
export async function listWorkflows(
	rt: Runtime,
	actor: Actor,
	subjectType?: 'requirement' | 'offer'
): Promise<WorkflowView[]> {
	if (!can(subjectOf(actor), 'list', 'approval_workflow')) throw new Forbidden();
	const rows = await rt.db
		.select()
		.from(approvalWorkflows)
		.where(
			and(isNull(approvalWorkflows.deletedAt), subjectType ? eq(approvalWorkflows.subjectType, subjectType) : undefined)
		)
		.orderBy(asc(approvalWorkflows.subjectType), asc(approvalWorkflows.name));
	return withSteps(rt.db, rows);
}

export async function getWorkflow(rt: Runtime, actor: Actor, id: string): Promise<WorkflowView> {
	if (!can(subjectOf(actor), 'read', 'approval_workflow')) throw new Forbidden();
	const [row] = await rt.db
		.select()
		.from(approvalWorkflows)
		.where(and(eq(approvalWorkflows.id, id), isNull(approvalWorkflows.deletedAt)));
	if (!row) throw new NotFound('Approval workflow');
	return (await withSteps(rt.db, [row]))[0];
}

async function validateReferences(tx: Transaction, input: Partial<WorkflowInput>) {
	const issues: FieldIssue[] = [];
	if (input.department_id) {
		const [d] = await tx
			.select({ id: departments.id })
			.from(departments)
			.where(and(eq(departments.id, input.department_id), isNull(departments.deletedAt)));
		if (!d) issues.push({ field: 'department_id', message: 'No such department' });
	}
	if (input.job_level_id) {
		const [l] = await tx
			.select({ id: jobLevels.id })
			.from(jobLevels)
			.where(and(eq(jobLevels.id, input.job_level_id), isNull(jobLevels.deletedAt)));
		if (!l) issues.push({ field: 'job_level_id', message: 'No such job level' });
	}
	for (const [i, step] of (input.steps ?? []).entries()) {
		for (const [j, approver] of step.approvers.entries()) {
			if (approver.type !== 'user') continue;
			const [u] = await tx
				.select({ id: users.id })
				.from(users)
				.where(and(eq(users.id, approver.userId), isNull(users.deletedAt)));
			if (!u) issues.push({ field: `steps.${i}.approvers.${j}.userId`, message: 'No such user' });
		}
	}
	if (input.above_band_only && input.subject_type === 'requirement') {
		issues.push({ field: 'above_band_only', message: 'Only offer workflows can depend on the salary band' });
	}
	if (issues.length) throw new ValidationFailed(issues);
}

async function insertSteps(tx: Transaction, workflowId: string, steps: WorkflowInput['steps']) {
	await tx.insert(approvalWorkflowSteps).values(
		steps.map((s, index) => ({
			workflowId,
			position: index + 1,
			name: s.name,
			approvers: s.approvers,
			rule: s.rule,
			requiredCount: s.rule === 'n' ? (s.required_count ?? 1) : null
		}))
	);
}

async function clearOtherDefaults(tx: Transaction, subjectType: 'requirement' | 'offer', keepId: string) {
	await tx
		.update(approvalWorkflows)
		.set({ isDefault: false })
		.where(
			and(
				eq(approvalWorkflows.subjectType, subjectType),
				ne(approvalWorkflows.id, keepId),
				eq(approvalWorkflows.isDefault, true)
			)
		);
}

/** Creates a workflow with its steps (admins). Making it the default unsets the previous default. */
export async function createWorkflow(rt: Runtime, actor: Actor, input: WorkflowInput): Promise<WorkflowView> {
	if (!can(subjectOf(actor), 'create', 'approval_workflow')) throw new Forbidden();
	const id = await inTransaction(rt.db, async (tx) => {
		await validateReferences(tx, input);
		const [row] = await tx
			.insert(approvalWorkflows)
			.values({
				name: input.name,
				description: input.description ?? null,
				subjectType: input.subject_type,
				departmentId: input.department_id ?? null,
				jobLevelId: input.job_level_id ?? null,
				minSalary: input.min_salary ?? null,
				aboveBandOnly: input.above_band_only ?? false,
				isDefault: input.is_default ?? false,
				isActive: input.is_active ?? true
			})
			.returning();
		await insertSteps(tx, row.id, input.steps);
		if (row.isDefault) await clearOtherDefaults(tx, row.subjectType, row.id);
		await recordAudit(tx, actor, {
			action: 'approval_workflow.created',
			entityType: 'approval_workflow',
			entityId: row.id,
			after: { ...auditSnapshot(row), steps: input.steps }
		});
		return row.id;
	});
	return getWorkflow(rt, actor, id);
}

/**
 * Changes a workflow (admins). New steps replace the old ones, which are retired rather than
 * deleted: chains already running keep the steps they started with.
 */
export async function updateWorkflow(
	rt: Runtime,
	actor: Actor,
	id: string,
	input: WorkflowUpdateInput
): Promise<WorkflowView> {
	if (!can(subjectOf(actor), 'update', 'approval_workflow')) throw new Forbidden();
	await inTransaction(rt.db, async (tx) => {
		const before = await lockForUpdate(
			tx,
			approvalWorkflows,
			id,
			input.version,
			'Approval workflow',
			isNull(approvalWorkflows.deletedAt)
		);
		await validateReferences(tx, { ...input, subject_type: input.subject_type ?? before.subjectType });
		if (before.isDefault && (input.is_default === false || input.is_active === false)) {
			throw new Conflict('Make another workflow the default first', 'DEFAULT_WORKFLOW');
		}
		const [after] = await tx
			.update(approvalWorkflows)
			.set({
				...(input.name !== undefined ? { name: input.name } : {}),
				...(input.description !== undefined ? { description: input.description } : {}),
				...(input.subject_type !== undefined ? { subjectType: input.subject_type } : {}),
				...(input.department_id !== undefined ? { departmentId: input.department_id } : {}),
				...(input.job_level_id !== undefined ? { jobLevelId: input.job_level_id } : {}),
				...(input.min_salary !== undefined ? { minSalary: input.min_salary } : {}),
				...(input.above_band_only !== undefined ? { aboveBandOnly: input.above_band_only } : {}),
				...(input.is_default !== undefined ? { isDefault: input.is_default } : {}),
				...(input.is_active !== undefined ? { isActive: input.is_active } : {}),
				version: before.version + 1
			})
			.where(eq(approvalWorkflows.id, id))
			.returning();
		if (input.steps) {
			await tx
				.update(approvalWorkflowSteps)
				.set({ retiredAt: new Date() })
				.where(and(eq(approvalWorkflowSteps.workflowId, id), isNull(approvalWorkflowSteps.retiredAt)));
			await insertSteps(tx, id, input.steps);
		}
		if (after.isDefault) await clearOtherDefaults(tx, after.subjectType, id);
		await recordAudit(tx, actor, {
			action: 'approval_workflow.updated',
			entityType: 'approval_workflow',
			entityId: id,
			before: auditSnapshot(before),
			after: { ...auditSnapshot(after), ...(input.steps ? { steps: input.steps } : {}) }
		});
	});
	return getWorkflow(rt, actor, id);
}

/** Soft-deletes a workflow that is not the default. */
export async function deleteWorkflow(rt: Runtime, actor: Actor, id: string): Promise<void> {
	if (!can(subjectOf(actor), 'delete', 'approval_workflow')) throw new Forbidden();
	await inTransaction(rt.db, async (tx) => {
		const before = await lockForUpdate(
			tx,
			approvalWorkflows,
			id,
			undefined,
			'Approval workflow',
			isNull(approvalWorkflows.deletedAt)
		);
		if (before.isDefault) throw new Conflict('The default workflow cannot be deleted', 'DEFAULT_WORKFLOW');
		await tx
			.update(approvalWorkflows)
			.set({ deletedAt: new Date(), isActive: false, version: before.version + 1 })
			.where(eq(approvalWorkflows.id, id));
		await recordAudit(tx, actor, {
			action: 'approval_workflow.deleted',
			entityType: 'approval_workflow',
			entityId: id,
			before: auditSnapshot(before)
		});
	});
}
