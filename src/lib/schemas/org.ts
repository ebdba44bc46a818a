import { z } from 'zod';

export const currencyField = z
	.string()
	.trim()
	.toUpperCase()
	.regex(/^[A-Z]{3}$/, 'Use a 3-letter ISO currency code, e.g. EUR');

const optionalUuid = (label: string) => z.string().uuid(`${label} must be a valid id`).nullable().optional();

export const versionField = z
	.number({ error: 'version is required (the version you based your change on)' })
	.int()
	.min(1);

export const departmentInput = z.object({
	name: z.string().trim().min(1, 'Name is required').max(200),
	code: z.string().trim().max(20).nullable().optional(),
	parent_id: optionalUuid('Parent department'),
	head_user_id: optionalUuid('Department head')
});
export type DepartmentInput = z.infer<typeof departmentInput>;

export const departmentUpdateInput = departmentInput.partial().extend({ version: versionField });
export type DepartmentUpdateInput = z.infer<typeof departmentUpdateInput>;

const jobLevelFields = z.object({
	name: z.string().trim().min(1, 'Name is required').max(100),
	rank: z.number({ error: 'Rank must be a number' }).int().min(0).max(1000),
	salary_min: z.number().int().min(0).nullable().optional(),
	salary_max: z.number().int().min(0).nullable().optional(),
	currency: currencyField.nullable().optional()
});

function checkBand(
	v: { salary_min?: number | null; salary_max?: number | null; currency?: string | null },
	ctx: z.RefinementCtx
) {
	if (v.salary_min != null && v.salary_max != null && v.salary_min > v.salary_max) {
		ctx.addIssue({ code: 'custom', path: ['salary_max'], message: 'The band maximum must be at least the minimum' });
	}
	if ((v.salary_min != null || v.salary_max != null) && v.currency === null) {
		ctx.addIssue({ code: 'custom', path: ['currency'], message: 'A salary band needs a currency' });
	}
}

export const jobLevelInput = jobLevelFields.superRefine((v, ctx) => {
	checkBand(v, ctx);
	if ((v.salary_min != null || v.salary_max != null) && !v.currency) {
		ctx.addIssue({ code: 'custom', path: ['currency'], message: 'A salary band needs a currency' });
	}
});
export type JobLevelInput = z.infer<typeof jobLevelInput>;

export const jobLevelUpdateInput = jobLevelFields.partial().extend({ version: versionField }).superRefine(checkBand);
export type JobLevelUpdateInput = z.infer<typeof jobLevelUpdateInput>;
