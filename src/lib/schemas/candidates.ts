import { z } from 'zod';
import { CANDIDATE_SOURCES, DOCUMENT_KINDS, REJECTION_REASONS } from '../domain/candidates';
import { versionField } from './org';

const url = (label: string) =>
	z
		.string()
		.trim()
		.max(500)
		.refine((v) => {
			try {
				const u = new URL(/^https?:\/\//i.test(v) ? v : `https://${v}`);
				return u.hostname.includes('.');
			} catch {
				return false;
			}
		}, `${label} must be a web address`)
		.nullable()
		.optional();

const candidateFields = {
	name: z.string({ error: 'Name is required' }).trim().min(1, 'Name is required').max(200),
	emails: z
		.array(
			z
				.string()
				.trim()
				.toLowerCase()
				.pipe(z.email({ error: 'Enter a valid e-mail address' }))
		)
		.max(10)
		.optional(),
	phone: z.string().trim().max(40).nullable().optional(),
	location: z.string().trim().max(200).nullable().optional(),
	linkedin_url: url('The LinkedIn URL'),
	github_url: url('The GitHub URL'),
	portfolio_url: url('The portfolio URL'),
	current_title: z.string().trim().max(200).nullable().optional(),
	current_company: z.string().trim().max(200).nullable().optional(),
	source: z.enum(CANDIDATE_SOURCES, { error: `Source is one of ${CANDIDATE_SOURCES.join(', ')}` }).optional(),
	referred_by_id: z.string().uuid().nullable().optional(),
	referrer_name: z.string().trim().max(200).nullable().optional(),
	tags: z.array(z.string().trim().min(1).max(50)).max(50).optional(),
	consent_given_at: z.iso.datetime({ offset: true }).nullable().optional(),
	consent_purpose: z.string().trim().max(500).nullable().optional(),
	consent_until: z.iso.datetime({ offset: true }).nullable().optional(),
	ai_excluded: z.boolean().optional()
};

export const createCandidateInput = z.object(candidateFields);
export type CreateCandidateInput = z.infer<typeof createCandidateInput>;

export const updateCandidateInput = z.object(candidateFields).partial().extend({ version: versionField });
export type UpdateCandidateInput = z.infer<typeof updateCandidateInput>;

export const listCandidatesQuery = z.object({
	page: z.coerce.number().int().min(1).default(1),
	page_size: z.coerce.number().int().min(1).max(100).default(20),
	q: z.string().trim().max(200).optional(),
	tag: z
		.union([z.string(), z.array(z.string())])
		.optional()
		.transform((v) => (v === undefined ? undefined : Array.isArray(v) ? v : [v])),
	source: z.enum(CANDIDATE_SOURCES).optional(),
	requirement_id: z.string().uuid().optional(),
	stage: z.string().trim().max(50).optional(),
	created_from: z.coerce.date().optional(),
	created_to: z.coerce.date().optional(),
	include_merged: z.enum(['true', 'false']).optional()
});
export type ListCandidatesQuery = z.infer<typeof listCandidatesQuery>;

export const duplicateQuery = z.object({ allow_duplicate: z.enum(['true', 'false']).optional() });

export const mergeInput = z.object({
	/** The candidate merged INTO the one in the URL (it becomes a tombstone). */
	duplicate_id: z.string({ error: 'duplicate_id is required' }).uuid('duplicate_id must be a candidate id')
});

export const noteInput = z.object({ body: z.string().trim().min(1, 'Write something').max(10000) });

export const documentKindField = z.enum(DOCUMENT_KINDS);

export const addApplicationInput = z.object({
	candidate_id: z.string({ error: 'candidate_id is required' }).uuid('candidate_id must be a candidate id'),
	stage: z.string().trim().max(50).optional()
});

export const moveStageInput = z.object({
	stage: z.string({ error: 'stage is required' }).trim().min(1).max(50),
	version: versionField,
	rejection_reason: z.enum(REJECTION_REASONS).nullable().optional(),
	/** Place in the target column (default: its end). */
	index: z.number().int().min(0).optional()
});
export type MoveStageInput = z.infer<typeof moveStageInput>;

export const bulkActionInput = z.discriminatedUnion('action', [
	z.object({
		action: z.literal('move'),
		application_ids: z.array(z.string().uuid()).min(1).max(500),
		stage: z.string().trim().min(1).max(50)
	}),
	z.object({
		action: z.literal('reject'),
		application_ids: z.array(z.string().uuid()).min(1).max(500),
		rejection_reason: z.enum(REJECTION_REASONS, { error: `A reason is one of ${REJECTION_REASONS.join(', ')}` })
	}),
	z.object({
		action: z.literal('tag'),
		application_ids: z.array(z.string().uuid()).min(1).max(500),
		tags: z.array(z.string().trim().min(1).max(50)).min(1).max(20)
	})
]);
export type BulkActionInput = z.infer<typeof bulkActionInput>;

export const stagesInput = z.object({
	stages: z
		.array(
			z.object({
				key: z
					.string()
					.trim()
					.regex(/^[a-z][a-z0-9_]{0,39}$/, 'A stage key is lower-case letters, digits and _'),
				label: z.string().trim().min(1).max(60)
			})
		)
		.min(1, 'A pipeline needs at least one stage')
		.max(20)
		.refine((s) => new Set(s.map((x) => x.key)).size === s.length, 'Stage keys must be unique')
		.refine(
			(s) => s.every((x) => x.key !== 'rejected' && x.key !== 'withdrawn'),
			'rejected and withdrawn are always there'
		)
		.refine(
			(s) => s.some((x) => x.key === 'hired'),
			'The hired stage can be renamed but not removed (keep an entry with key "hired")'
		),
	version: versionField
});
