/**
 * Shapes of the candidate API's answers that the candidate pages use (snake_case, dates as ISO
 * strings). The server owns them; these mirror what it sends.
 */
import type { CandidateSource, DocumentKind } from '$lib/domain/candidates';

export interface Candidate {
	id: string;
	name: string;
	emails: string[];
	phone: string | null;
	location: string | null;
	linkedin_url: string | null;
	github_url: string | null;
	portfolio_url: string | null;
	current_title: string | null;
	current_company: string | null;
	source: CandidateSource;
	referred_by_id: string | null;
	referrer_name: string | null;
	tags: string[];
	consent_given_at: string | null;
	consent_purpose: string | null;
	consent_until: string | null;
	ai_excluded: boolean;
	has_cv_text: boolean;
	possible_duplicate_of_id: string | null;
	merged_into_id: string | null;
	version: number;
	created_at: string;
	updated_at: string;
	rank?: number;
}

export interface CandidateApplication {
	id: string;
	requirement_id: string;
	requirement_title: string;
	requirement_number: number;
	stage: string;
	/** The stage as the requirement's pipeline names it (custom stage names included). */
	stage_label: string;
	/** The requirement's pipeline columns (custom stages, then hired, rejected, withdrawn). */
	stages: Array<{ key: string; label: string }>;
	stage_entered_at: string;
	rejection_reason: string | null;
	version: number;
	created_at: string;
	/** The latest AI screening (absent when the user may not read applications; null: none yet). */
	screening?: {
		score: number;
		decision: 'advance' | 'hold' | 'reject';
		source: 'gemini' | 'heuristic';
		screened_at: string;
	} | null;
}

export interface CandidateDocument {
	id: string;
	kind: DocumentKind;
	file_name: string;
	mime_type: string;
	size: number;
	extraction: 'pending' | 'done' | 'failed' | 'not_needed';
	created_at: string;
}

export interface CandidateNote {
	id: string;
	body: string;
	author_name: string;
	created_at: string;
}

export interface CandidateProfile extends Candidate {
	applications: CandidateApplication[];
	documents: CandidateDocument[];
	notes: CandidateNote[];
}

/** A possible duplicate as a 409 DUPLICATE_CANDIDATE answer names it. */
export interface DuplicateMatch {
	id: string;
	name: string;
	emails: string[];
	current_title: string | null;
	matched_on: string[];
}

export interface Job {
	id: string;
	kind: string;
	status: 'queued' | 'running' | 'completed' | 'failed' | 'cancelled' | 'paused';
	progress: number;
	progress_message: string | null;
	result: unknown;
	error: string | null;
	created_at: string;
	finished_at: string | null;
}

export const DOCUMENT_KIND_LABELS: Record<DocumentKind, string> = {
	cv: 'CV',
	cover_letter: 'Cover letter',
	portfolio: 'Portfolio',
	reference: 'Reference',
	other: 'Other'
};

/** Pulls the matches out of a 409 DUPLICATE_CANDIDATE error's data. */
export function duplicateMatchesOf(data: unknown): DuplicateMatch[] {
	if (typeof data !== 'object' || data === null || !('matches' in data)) return [];
	const matches = (data as { matches: unknown }).matches;
	return Array.isArray(matches) ? (matches as DuplicateMatch[]) : [];
}
