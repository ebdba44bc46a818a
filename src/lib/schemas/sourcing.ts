import { z } from 'zod';

const uuid = (label: string) => z.string().uuid(`${label} must be an id`);

/**
 * `POST /sourcing/linkedin-xray`: build (and, when Custom Search is configured, run) the X-ray
 * query for a requirement. `query` replaces the built one (the user edited it); `pages` is how
 * many pages of ten to fetch.
 */
export const xrayInput = z
	.object({
		requirement_id: uuid('The requirement'),
		query: z.string().trim().min(1, 'The query cannot be empty').max(2000).optional(),
		run: z.boolean().default(true),
		pages: z.number().int().min(1, 'At least one page').max(10, 'At most 10 pages (100 results)').default(1),
		exclude: z.array(z.string().trim().min(1).max(60)).max(20).default([])
	})
	.strict();
export type XrayInput = z.infer<typeof xrayInput>;

export const sourcingResultsQuery = z.object({
	requirement_id: uuid('The requirement'),
	origin: z.enum(['linkedin_xray', 'smartrecruiters']).optional()
});
export type SourcingResultsQuery = z.infer<typeof sourcingResultsQuery>;

/** `POST /sourcing/smartrecruiters`: import the candidates of one SmartRecruiters job. */
export const smartRecruitersImportInput = z
	.object({
		requirement_id: uuid('The requirement').nullable().default(null),
		external_job_id: z
			.string()
			.trim()
			.regex(/^[A-Za-z0-9_-]{1,100}$/, 'The SmartRecruiters job id (letters, digits, - and _)')
	})
	.strict();
export type SmartRecruitersImportInput = z.infer<typeof smartRecruitersImportInput>;
