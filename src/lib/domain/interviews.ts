/** Interviews, scorecards and offers, isomorphic. */
export const INTERVIEW_TYPES = ['phone_screen', 'technical', 'onsite', 'culture', 'final'] as const;
export type InterviewType = (typeof INTERVIEW_TYPES)[number];

export const INTERVIEW_TYPE_LABELS: Record<InterviewType, string> = {
	phone_screen: 'Phone screen',
	technical: 'Technical',
	onsite: 'On-site',
	culture: 'Culture',
	final: 'Final'
};

export const INTERVIEW_STATUSES = ['scheduled', 'completed', 'cancelled', 'no_show'] as const;
export type InterviewStatus = (typeof INTERVIEW_STATUSES)[number];

export const RECOMMENDATIONS = ['strong_no', 'no', 'yes', 'strong_yes'] as const;
export type Recommendation = (typeof RECOMMENDATIONS)[number];

export const RECOMMENDATION_LABELS: Record<Recommendation, string> = {
	strong_no: 'Strong no',
	no: 'No',
	yes: 'Yes',
	strong_yes: 'Strong yes'
};

export interface Competency {
	key: string;
	name: string;
	description: string;
}

export interface TemplateSection {
	title: string;
	competencies: Competency[];
}

export interface RatingLevel {
	value: number;
	label: string;
}

export const DEFAULT_RATING_SCALE: RatingLevel[] = [
	{ value: 1, label: 'Strong concerns' },
	{ value: 2, label: 'Some concerns' },
	{ value: 3, label: 'Meets the bar' },
	{ value: 4, label: 'Exceeds the bar' }
];

export const OFFER_STATUSES = [
	'draft',
	'pending_approval',
	'approved',
	'extended',
	'accepted',
	'declined',
	'expired',
	'withdrawn'
] as const;
export type OfferStatus = (typeof OFFER_STATUSES)[number];

export const CONTRACT_TYPES = ['permanent', 'fixed_term', 'contractor', 'internship'] as const;
export type ContractType = (typeof CONTRACT_TYPES)[number];

/** Offer fields whose change sends a pending or approved offer back through approval. */
export const OFFER_APPROVAL_FIELDS = ['baseSalary', 'bonus', 'equity', 'startDate', 'currency'] as const;
