/** Candidates and their pipeline, isomorphic. */
export const CANDIDATE_SOURCES = ['careers_page', 'referral', 'sourcing', 'agency', 'import', 'manual'] as const;
export type CandidateSource = (typeof CANDIDATE_SOURCES)[number];

export const SOURCE_LABELS: Record<CandidateSource, string> = {
	careers_page: 'Careers page',
	referral: 'Referral',
	sourcing: 'Sourcing',
	agency: 'Agency',
	import: 'Import',
	manual: 'Added by hand'
};

export const DOCUMENT_KINDS = ['cv', 'cover_letter', 'portfolio', 'reference', 'other'] as const;
export type DocumentKind = (typeof DOCUMENT_KINDS)[number];

/** A column of a requirement's pipeline. `key` is stable; `label` can be renamed. */
export interface PipelineStage {
	key: string;
	label: string;
}

/** Terminal stages every pipeline has, whatever its custom stages. */
export const TERMINAL_STAGES: PipelineStage[] = [
	{ key: 'rejected', label: 'Rejected' },
	{ key: 'withdrawn', label: 'Withdrawn' }
];

export const DEFAULT_STAGES: PipelineStage[] = [
	{ key: 'sourced', label: 'Sourced' },
	{ key: 'applied', label: 'Applied' },
	{ key: 'screening', label: 'Screening' },
	{ key: 'interview', label: 'Interview' },
	{ key: 'offer', label: 'Offer' },
	{ key: 'hired', label: 'Hired' }
];

export const REJECTION_REASONS = [
	'not_qualified',
	'better_candidate',
	'salary_expectations',
	'culture_fit',
	'no_show',
	'position_filled',
	'candidate_declined',
	'other'
] as const;
export type RejectionReason = (typeof REJECTION_REASONS)[number];

export const REJECTION_REASON_LABELS: Record<RejectionReason, string> = {
	not_qualified: 'Not qualified',
	better_candidate: 'A better candidate was chosen',
	salary_expectations: 'Salary expectations',
	culture_fit: 'Not a fit for the team',
	no_show: 'Did not show up',
	position_filled: 'Position filled',
	candidate_declined: 'Candidate declined',
	other: 'Other'
};
