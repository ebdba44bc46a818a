import { z } from 'zod';
import { APPROVAL_RULES, APPROVAL_SUBJECTS } from '../domain/approvals';
import { ROLES } from '../roles';
import { versionField } from './org';

export const approverSpec = z.discriminatedUnion('type', [
	z.object({ type: z.literal('role'), role: z.enum(ROLES) }),
	z.object({ type: z.literal('user'), userId: z.string().uuid('Choose a user') }),
	z.object({ type: z.literal('department_head') })
]);

export const workflowStepInput = z
	.object({
		name: z.string().trim().min(1, 'Name the step').max(100),
		approvers: z.array(approverSpec).min(1, 'A step needs at least one approver').max(50),
		rule: z.enum(APPROVAL_RULES, { error: 'The rule is all, any or n' }),
		required_count: z.number().int().min(1).max(50).nullable().optional()
	})
	.superRefine((step, ctx) => {
		if (step.rule === 'n' && !step.required_count) {
			ctx.addIssue({
				code: 'custom',
				path: ['required_count'],
				message: 'With the rule "n", say how many approvals are needed'
			});
		}
	});

const workflowFields = {
	name: z.string().trim().min(1, 'Name is required').max(200),
	description: z.string().trim().max(2000).nullable().optional(),
	subject_type: z.enum(APPROVAL_SUBJECTS, { error: 'Subject is requirement or offer' }),
	department_id: z.string().uuid().nullable().optional(),
	job_level_id: z.string().uuid().nullable().optional(),
	min_salary: z.number().int().min(0).nullable().optional(),
	above_band_only: z.boolean().optional(),
	is_default: z.boolean().optional(),
	is_active: z.boolean().optional(),
	steps: z.array(workflowStepInput).min(1, 'A workflow needs at least one step').max(20)
};

export const workflowInput = z.object(workflowFields);
export type WorkflowInput = z.infer<typeof workflowInput>;

export const workflowUpdateInput = z.object(workflowFields).partial().extend({ version: versionField });
export type WorkflowUpdateInput = z.infer<typeof workflowUpdateInput>;

export const decisionInput = z.object({ comment: z.string().trim().max(2000).nullable().optional() });
