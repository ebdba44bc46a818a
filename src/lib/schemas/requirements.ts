import { z } from 'zod';
import { EMPLOYMENT_TYPES, REMOTE_POLICIES, REQUIREMENT_STATUSES } from '../domain/requirements';
import { currencyField, versionField } from './org';

const skills = z.array(z.string().trim().min(1).max(60)).max(50);

const fields = {
	title: z.string({ error: 'Title is required' }).trim().min(3, 'Title must be at least 3 characters').max(200),
	department_id: z.string({ error: 'Department is required' }).uuid('Choose a department'),
	job_level_id: z.string().uuid('Choose a job level').nullable().optional(),
	hiring_manager_id: z.string().uuid('Choose a hiring manager').optional(),
	headcount: z
		.number({ error: 'Headcount must be a number' })
		.int('Headcount must be a whole number')
		.min(1, 'At least 1')
		.max(500),
	employment_type: z.enum(EMPLOYMENT_TYPES, { error: 'Choose an employment type' }),
	location_city: z.string().trim().max(120).nullable().optional(),
	location_country: z
		.string()
		.trim()
		.toUpperCase()
		.regex(/^[A-Z]{2}$/, 'Use a 2-letter country code, e.g. DE')
		.nullable()
		.optional(),
	remote_policy: z.enum(REMOTE_POLICIES, { error: 'Choose on-site, hybrid or remote' }),
	salary_min: z.number({ error: 'Salary must be a number' }).int().min(0).nullable().optional(),
	salary_max: z.number({ error: 'Salary must be a number' }).int().min(0).nullable().optional(),
	currency: currencyField.nullable().optional(),
	target_start_date: z.iso.date('Use a date like 2027-03-01').nullable().optional(),
	justification: z.string().trim().max(5000).nullable().optional(),
	must_have_skills: skills.optional(),
	nice_to_have_skills: skills.optional()
};

type SalaryShape = { salary_min?: number | null; salary_max?: number | null; currency?: string | null };

function checkSalary(v: SalaryShape, ctx: z.RefinementCtx, requireCurrency: boolean) {
	if (v.salary_min != null && v.salary_max != null && v.salary_min > v.salary_max) {
		ctx.addIssue({ code: 'custom', path: ['salary_max'], message: 'The maximum must be at least the minimum' });
	}
	if (requireCurrency && (v.salary_min != null || v.salary_max != null) && !v.currency) {
		ctx.addIssue({ code: 'custom', path: ['currency'], message: 'A salary range needs a currency' });
	}
}

export const createRequirementInput = z
	.object({
		...fields,
		headcount: fields.headcount.default(1),
		employment_type: fields.employment_type.default('full_time'),
		remote_policy: fields.remote_policy.default('onsite')
	})
	.superRefine((v, ctx) => checkSalary(v, ctx, true));
export type CreateRequirementInput = z.infer<typeof createRequirementInput>;

export const updateRequirementInput = z
	.object({
		title: fields.title.optional(),
		department_id: fields.department_id.optional(),
		job_level_id: fields.job_level_id,
		hiring_manager_id: fields.hiring_manager_id,
		headcount: fields.headcount.optional(),
		employment_type: fields.employment_type.optional(),
		location_city: fields.location_city,
		location_country: fields.location_country,
		remote_policy: fields.remote_policy.optional(),
		salary_min: fields.salary_min,
		salary_max: fields.salary_max,
		currency: fields.currency,
		target_start_date: fields.target_start_date,
		justification: fields.justification,
		must_have_skills: fields.must_have_skills,
		nice_to_have_skills: fields.nice_to_have_skills,
		version: versionField
	})
	.superRefine((v, ctx) => checkSalary(v, ctx, false));
export type UpdateRequirementInput = z.infer<typeof updateRequirementInput>;

export const listRequirementsQuery = z.object({
	page: z.coerce.number().int().min(1).default(1),
	page_size: z.coerce.number().int().min(1).max(100).default(20),
	status: z
		.union([z.enum(REQUIREMENT_STATUSES), z.array(z.enum(REQUIREMENT_STATUSES))])
		.optional()
		.transform((v) => (v === undefined ? undefined : Array.isArray(v) ? v : [v])),
	department_id: z.string().uuid().optional(),
	hiring_manager_id: z.string().uuid().optional(),
	q: z.string().trim().max(200).optional(),
	sort: z.enum(['created_desc', 'created_asc', 'title', 'start_date']).default('created_desc')
});
export type ListRequirementsQuery = z.infer<typeof listRequirementsQuery>;

export const transitionInput = z.object({
	comment: z.string().trim().max(2000).nullable().optional(),
	version: versionField.optional()
});

export const commentInput = z.object({ body: z.string().trim().min(1, 'Write something').max(5000) });

export const publishInput = z.object({
	published: z.boolean({ error: 'published must be true or false' }),
	valid_through: z.iso.date('Use a date like 2027-03-01').nullable().optional()
});
