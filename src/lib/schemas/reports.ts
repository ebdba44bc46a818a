import { z } from 'zod';

/** A calendar day, YYYY-MM-DD, that exists (zod checks month lengths and leap years). */
const day = z.iso.date('Use a date like 2027-03-01');

/** The filters every report takes (query string), and `format=csv` for a download. */
export const reportQuery = z
	.object({
		department_id: z.string().uuid().optional(),
		requirement_id: z.string().uuid().optional(),
		from: day.optional(),
		to: day.optional(),
		format: z.enum(['json', 'csv']).default('json')
	})
	.superRefine((v, ctx) => {
		if (v.from && v.to && v.to < v.from)
			ctx.addIssue({ code: 'custom', path: ['to'], message: 'Must not be before from' });
	});

export type ReportQuery = z.infer<typeof reportQuery>;

export const REPORT_KINDS = ['pipeline', 'time-to-hire', 'sources', 'requirements', 'offers', 'interviews'] as const;
export type ReportKind = (typeof REPORT_KINDS)[number];
