import { z } from 'zod';
import { CONTRACT_TYPES, INTERVIEW_TYPES, RECOMMENDATIONS } from '../domain/interviews';
import { currencyField, versionField } from './org';

/** An IANA time zone this runtime knows (Europe/Berlin, America/New_York…). */
export const timeZoneField = z
	.string({ error: 'Time zone is required' })
	.trim()
	.refine((tz) => {
		try {
			new Intl.DateTimeFormat('en', { timeZone: tz });
			return true;
		} catch {
			return false;
		}
	}, 'Use an IANA time zone such as Europe/Berlin');

const instant = z.iso.datetime({
	offset: true,
	error: 'Use an ISO date-time with an offset, e.g. 2027-03-01T10:00:00+01:00'
});

const panelField = z
	.array(z.object({ user_id: z.string().uuid('Choose a panelist'), is_lead: z.boolean().optional() }))
	.min(1, 'A panel needs at least one interviewer')
	.max(12)
	.refine((p) => new Set(p.map((x) => x.user_id)).size === p.length, 'Each interviewer appears once')
	.refine((p) => p.filter((x) => x.is_lead).length <= 1, 'Only one lead interviewer');

function checkTimes(v: { starts_at?: string; ends_at?: string }, ctx: z.RefinementCtx) {
	if (v.starts_at && v.ends_at && new Date(v.ends_at) <= new Date(v.starts_at)) {
		ctx.addIssue({ code: 'custom', path: ['ends_at'], message: 'The interview must end after it starts' });
	}
}

export const scheduleInterviewInput = z
	.object({
		application_id: z.string({ error: 'application_id is required' }).uuid(),
		type: z.enum(INTERVIEW_TYPES, { error: `Type is one of ${INTERVIEW_TYPES.join(', ')}` }),
		starts_at: instant,
		ends_at: instant,
		time_zone: timeZoneField,
		location: z.string().trim().max(300).nullable().optional(),
		video_link: z
			.url({ protocol: /^https?$/, error: 'The video link must be an http(s) URL' })
			.nullable()
			.optional(),
		panel: panelField,
		scorecard_template_id: z.string().uuid().nullable().optional(),
		invite_candidate: z.boolean().optional()
	})
	.superRefine(checkTimes);
export type ScheduleInterviewInput = z.infer<typeof scheduleInterviewInput>;

export const updateInterviewInput = z
	.object({
		starts_at: instant.optional(),
		ends_at: instant.optional(),
		time_zone: timeZoneField.optional(),
		location: z.string().trim().max(300).nullable().optional(),
		video_link: z
			.url({ protocol: /^https?$/ })
			.nullable()
			.optional(),
		panel: panelField.optional(),
		scorecard_template_id: z.string().uuid().nullable().optional(),
		invite_candidate: z.boolean().optional(),
		version: versionField
	})
	.superRefine(checkTimes);
export type UpdateInterviewInput = z.infer<typeof updateInterviewInput>;

export const listInterviewsQuery = z.object({
	page: z.coerce.number().int().min(1).default(1),
	page_size: z.coerce.number().int().min(1).max(100).default(50),
	mine: z.enum(['true', 'false']).optional(),
	status: z.enum(['scheduled', 'completed', 'cancelled', 'no_show']).optional(),
	application_id: z.string().uuid().optional(),
	requirement_id: z.string().uuid().optional(),
	from: z.coerce.date().optional(),
	to: z.coerce.date().optional()
});

const competency = z.object({
	key: z
		.string()
		.trim()
		.regex(/^[a-z][a-z0-9_]{0,39}$/, 'A key is lower-case letters, digits and _'),
	name: z.string().trim().min(1).max(100),
	description: z.string().trim().max(1000).default('')
});

export const scorecardTemplateInput = z.object({
	name: z.string().trim().min(1, 'Name is required').max(200),
	description: z.string().trim().max(2000).nullable().optional(),
	sections: z
		.array(
			z.object({
				title: z.string().trim().min(1).max(100),
				competencies: z.array(competency).min(1, 'A section needs a competency').max(20)
			})
		)
		.min(1, 'A template needs a section')
		.max(10)
		.refine((sections) => {
			const keys = sections.flatMap((s) => s.competencies.map((c) => c.key));
			return new Set(keys).size === keys.length;
		}, 'Competency keys must be unique'),
	rating_scale: z
		.array(z.object({ value: z.number().int().min(1).max(4), label: z.string().trim().min(1).max(60) }))
		.length(4, 'The scale has four levels, 1 to 4')
		.refine(
			(s) =>
				s
					.map((l) => l.value)
					.sort()
					.join() === '1,2,3,4',
			'The levels are 1, 2, 3 and 4'
		)
		.optional()
});
export type ScorecardTemplateInput = z.infer<typeof scorecardTemplateInput>;

export const scorecardTemplateUpdateInput = scorecardTemplateInput
	.partial()
	.extend({ is_active: z.boolean().optional(), version: versionField });

export const requirementTemplatesInput = z.object({
	templates: z.partialRecord(z.enum(INTERVIEW_TYPES), z.string().uuid().nullable())
});

/** A scorecard as submitted: every competency rated 1–4 with evidence, and a recommendation. */
export const scorecardSubmission = z.object({
	ratings: z.record(
		z.string(),
		z.object({ rating: z.number().int().min(1).max(4), evidence: z.string().trim().max(5000).default('') })
	),
	recommendation: z.enum(RECOMMENDATIONS, { error: `Recommendation is one of ${RECOMMENDATIONS.join(', ')}` }),
	summary: z.string().trim().max(5000).nullable().optional()
});
export type ScorecardSubmission = z.infer<typeof scorecardSubmission>;

const offerFields = {
	base_salary: z.number({ error: 'Base salary is required' }).int().min(1, 'Base salary must be positive'),
	currency: currencyField,
	bonus: z.number().int().min(0).nullable().optional(),
	equity: z.string().trim().max(500).nullable().optional(),
	start_date: z.iso.date('Use a date like 2027-03-01'),
	expiry_date: z.iso.date('Use a date like 2027-03-01'),
	contract_type: z.enum(CONTRACT_TYPES).default('permanent'),
	notes: z.string().trim().max(5000).nullable().optional()
};

export const createOfferInput = z
	.object({ application_id: z.string({ error: 'application_id is required' }).uuid(), ...offerFields })
	.superRefine((v, ctx) => {
		if (v.expiry_date > v.start_date)
			ctx.addIssue({ code: 'custom', path: ['expiry_date'], message: 'The offer must expire before the start date' });
	});
export type CreateOfferInput = z.infer<typeof createOfferInput>;

export const updateOfferInput = z.object({
	base_salary: offerFields.base_salary.optional(),
	currency: offerFields.currency.optional(),
	bonus: offerFields.bonus,
	equity: offerFields.equity,
	start_date: offerFields.start_date.optional(),
	expiry_date: offerFields.expiry_date.optional(),
	contract_type: z.enum(CONTRACT_TYPES).optional(),
	notes: offerFields.notes,
	version: versionField
});
export type UpdateOfferInput = z.infer<typeof updateOfferInput>;

export const offerResponseInput = z.object({ reason: z.string().trim().max(2000).nullable().optional() });
