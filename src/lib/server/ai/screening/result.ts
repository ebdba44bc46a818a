import { Type, type Schema } from '@google/genai';
import { z } from 'zod';

/** What a screening says, whoever made it (Gemini or the heuristic). Advisory only. */
export const SCREENING_DECISIONS = ['advance', 'hold', 'reject'] as const;
export type ScreeningDecision = (typeof SCREENING_DECISIONS)[number];

export const REQUIREMENT_KINDS = ['must_have', 'nice_to_have', 'experience', 'title', 'keyword', 'other'] as const;

export const screeningResultSchema = z.object({
	score: z
		.number()
		.min(0)
		.max(100)
		.transform((v) => Math.round(v)),
	decision: z.enum(SCREENING_DECISIONS),
	summary: z.string().trim().min(1).max(2000),
	requirements: z
		.array(
			z.object({
				requirement: z.string().trim().min(1).max(300),
				kind: z.enum(REQUIREMENT_KINDS).catch('other'),
				met: z.enum(['yes', 'partial', 'no']),
				/** A quotation from the CV (checked: it must be found in the CV), or null. */
				evidence: z.string().trim().max(600).nullable()
			})
		)
		.max(40),
	strengths: z.array(z.string().trim().min(1).max(300)).max(12),
	gaps: z.array(z.string().trim().min(1).max(300)).max(12),
	red_flags: z.array(z.string().trim().min(1).max(300)).max(12),
	experience_years: z.number().min(0).max(60).nullable()
});

export type ScreeningResult = z.infer<typeof screeningResultSchema>;

/** The same shape for Gemini's structured output (OpenAPI subset). */
export const screeningResponseSchema: Schema = {
	type: Type.OBJECT,
	properties: {
		score: { type: Type.INTEGER, minimum: 0, maximum: 100, description: 'Overall fit 0-100' },
		decision: { type: Type.STRING, enum: [...SCREENING_DECISIONS], description: 'Advisory next step' },
		summary: { type: Type.STRING, description: 'Two or three sentences for the recruiter' },
		requirements: {
			type: Type.ARRAY,
			items: {
				type: Type.OBJECT,
				properties: {
					requirement: { type: Type.STRING },
					kind: { type: Type.STRING, enum: [...REQUIREMENT_KINDS] },
					met: { type: Type.STRING, enum: ['yes', 'partial', 'no'] },
					evidence: {
						type: Type.STRING,
						nullable: true,
						description: 'An exact quotation from the CV that shows it, or null'
					}
				},
				required: ['requirement', 'kind', 'met', 'evidence'],
				propertyOrdering: ['requirement', 'kind', 'met', 'evidence']
			}
		},
		strengths: { type: Type.ARRAY, items: { type: Type.STRING } },
		gaps: { type: Type.ARRAY, items: { type: Type.STRING } },
		red_flags: { type: Type.ARRAY, items: { type: Type.STRING } },
		experience_years: { type: Type.NUMBER, nullable: true }
	},
	required: ['score', 'decision', 'summary', 'requirements', 'strengths', 'gaps', 'red_flags', 'experience_years'],
	propertyOrdering: [
		'score',
		'decision',
		'summary',
		'requirements',
		'strengths',
		'gaps',
		'red_flags',
		'experience_years'
	]
};

/** Whitespace-insensitive form used to check that a quotation really is in the CV. */
export function squash(text: string): string {
	return text
		.toLowerCase()
		.replace(/[\u2018\u2019]/g, "'")
		.replace(/[\u201c\u201d]/g, '"')
		.replace(/[\u2013\u2014]/g, '-')
		.replace(/\s+/g, ' ')
		.trim();
}

/**
 * Keeps only evidence that is a real quotation from the CV (a model may paraphrase or invent):
 * evidence not found in the CV becomes null and the requirement is at most `partial`.
 */
export function keepQuotedEvidence(result: ScreeningResult, cvText: string): ScreeningResult {
	const cv = squash(cvText);
	return {
		...result,
		requirements: result.requirements.map((r) => {
			if (!r.evidence) return r;
			const quote = squash(r.evidence.replace(/^["'“”]+|["'“”]+$/g, '').replace(/^\.{3}|\.{3}$/g, ''));
			if (quote.length >= 3 && cv.includes(quote)) return r;
			return { ...r, evidence: null, met: r.met === 'yes' ? 'partial' : r.met };
		})
	};
}
