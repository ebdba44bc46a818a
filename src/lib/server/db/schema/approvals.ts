import { boolean, index, integer, jsonb, pgEnum, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { APPROVAL_RULES, APPROVAL_STATUSES, APPROVAL_SUBJECTS, type ApproverSpec } from '../../../domain/approvals';
import { createdAt, deletedAt, id, updatedAt } from './columns';
import { departments, jobLevels } from './org';
import { users } from './users';

export const approvalSubject = pgEnum('approval_subject', APPROVAL_SUBJECTS);
export const approvalRule = pgEnum('approval_rule', APPROVAL_RULES);
export const approvalStatus = pgEnum('approval_status', APPROVAL_STATUSES);

/**
 * Who approves what. A workflow applies to subjects (requirements or offers) matching its
 * department (or a descendant), job level and salary threshold; the most specific match wins;
 * a default workflow catches the rest.
 */
export const approvalWorkflows = pgTable('approval_workflows', {
	id: id(),
	name: text('name').notNull(),
	description: text('description'),
	subjectType: approvalSubject('subject_type').notNull(),
	departmentId: uuid('department_id').references(() => departments.id),
	jobLevelId: uuid('job_level_id').references(() => jobLevels.id),
	/** Applies when the subject's salary (top of range / offer base) is above this. */
	minSalary: integer('min_salary'),
	/** Offers only: applies when the offer is above its job level's salary band. */
	aboveBandOnly: boolean('above_band_only').notNull().default(false),
	isDefault: boolean('is_default').notNull().default(false),
	isActive: boolean('is_active').notNull().default(true),
	version: integer('version').notNull().default(1),
	createdAt: createdAt(),
	updatedAt: updatedAt(),
	deletedAt: deletedAt()
});

export type ApprovalWorkflow = typeof approvalWorkflows.$inferSelect;

/** One step of a workflow: its approvers and the rule that closes it. */
export const approvalWorkflowSteps = pgTable(
	'approval_workflow_steps',
	{
		id: id(),
		workflowId: uuid('workflow_id')
			.notNull()
			.references(() => approvalWorkflows.id, { onDelete: 'cascade' }),
		position: integer('position').notNull(),
		name: text('name').notNull(),
		approvers: jsonb('approvers').$type<ApproverSpec[]>().notNull(),
		rule: approvalRule('rule').notNull().default('any'),
		/** With rule `n`: how many approvals close the step. */
		requiredCount: integer('required_count'),
		/** Set when an edit of the workflow replaced this step (rounds in flight keep their snapshot). */
		retiredAt: timestamp('retired_at', { withTimezone: true }),
		createdAt: createdAt()
	},
	(t) => [index('approval_workflow_steps_workflow_idx').on(t.workflowId, t.position)]
);

export type ApprovalWorkflowStep = typeof approvalWorkflowSteps.$inferSelect;

export const ROUND_STATUSES = ['active', 'approved', 'rejected', 'info_requested', 'reset', 'cancelled'] as const;
export const roundStatus = pgEnum('approval_round_status', ROUND_STATUSES);

/** The steps of a workflow as they were when a round started. */
export interface StepSnapshot {
	stepId: string;
	position: number;
	name: string;
	rule: 'all' | 'any' | 'n';
	requiredCount: number | null;
	approvers: ApproverSpec[];
}

/**
 * One run of an approval chain for a subject: submitted → (steps) → approved / rejected /
 * info requested; a resubmission or a reset starts the next round. Keeps the workflow's steps
 * as they were at the start, so editing a workflow never changes a chain in flight.
 */
export const approvalRounds = pgTable(
	'approval_rounds',
	{
		id: id(),
		subjectType: approvalSubject('subject_type').notNull(),
		subjectId: uuid('subject_id').notNull(),
		round: integer('round').notNull(),
		workflowId: uuid('workflow_id')
			.notNull()
			.references(() => approvalWorkflows.id),
		workflowName: text('workflow_name').notNull(),
		steps: jsonb('steps').$type<StepSnapshot[]>().notNull(),
		currentPosition: integer('current_position').notNull(),
		status: roundStatus('status').notNull().default('active'),
		startedBy: uuid('started_by').references(() => users.id),
		/** Why the round ended (reset reason, rejection, info request). */
		outcomeNote: text('outcome_note'),
		finishedAt: timestamp('finished_at', { withTimezone: true }),
		createdAt: createdAt(),
		updatedAt: updatedAt()
	},
	(t) => [index('approval_rounds_subject_idx').on(t.subjectType, t.subjectId, t.round)]
);

export type ApprovalRound = typeof approvalRounds.$inferSelect;

/**
 * One approver's decision on one step of one round. A round is one run of the chain; a
 * resubmission or a reset starts a new round and the old rows stay as history.
 */
export const approvals = pgTable(
	'approvals',
	{
		id: id(),
		subjectType: approvalSubject('subject_type').notNull(),
		subjectId: uuid('subject_id').notNull(),
		roundId: uuid('round_id')
			.notNull()
			.references(() => approvalRounds.id),
		workflowId: uuid('workflow_id')
			.notNull()
			.references(() => approvalWorkflows.id),
		stepId: uuid('step_id')
			.notNull()
			.references(() => approvalWorkflowSteps.id),
		stepPosition: integer('step_position').notNull(),
		stepName: text('step_name').notNull(),
		stepRule: approvalRule('step_rule').notNull(),
		stepRequiredCount: integer('step_required_count'),
		round: integer('round').notNull(),
		approverId: uuid('approver_id')
			.notNull()
			.references(() => users.id),
		status: approvalStatus('status').notNull().default('pending'),
		comment: text('comment'),
		decidedAt: timestamp('decided_at', { withTimezone: true }),
		/** Who actually decided: the approver, or an admin acting on their behalf. */
		decidedBy: uuid('decided_by').references(() => users.id),
		onBehalf: boolean('on_behalf').notNull().default(false),
		/** Why this person was asked (role, user, department head, escalation). */
		reason: text('reason'),
		lastRemindedAt: timestamp('last_reminded_at', { withTimezone: true }),
		metadata: jsonb('metadata').$type<Record<string, unknown>>(),
		createdAt: createdAt(),
		updatedAt: updatedAt()
	},
	(t) => [
		index('approvals_subject_idx').on(t.subjectType, t.subjectId, t.round, t.stepPosition),
		index('approvals_round_idx').on(t.roundId, t.stepPosition),
		index('approvals_approver_status_idx').on(t.approverId, t.status),
		index('approvals_status_created_idx').on(t.status, t.createdAt)
	]
);

export type Approval = typeof approvals.$inferSelect;
