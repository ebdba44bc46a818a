import type { PipelineStage } from '$lib/domain/candidates';

/** A card as GET /requirements/:id/pipeline sends it. */
export interface BoardCardData {
	id: string;
	candidate_id: string;
	stage: string;
	rank: string;
	rejection_reason: string | null;
	stage_entered_at: string;
	version: number;
	name: string;
	current_title: string | null;
	tags: string[];
	/** The latest AI screening (absent when the user may not read applications; null: none yet). */
	screening?: CardScreening | null;
	/** The next scheduled interview (absent when the user may not list interviews). */
	next_interview?: CardInterview | null;
}

/** A card's latest AI screening: its score (0–100), decision and where it came from. */
export interface CardScreening {
	score: number;
	decision: 'advance' | 'hold' | 'reject';
	source: 'gemini' | 'heuristic';
	screened_at: string;
}

/** A card's next scheduled interview. */
export interface CardInterview {
	id: string;
	type: string;
	status: string;
	starts_at: string;
}

export interface BoardData {
	requirement_id: string;
	version: number;
	columns: PipelineStage[];
	cards: BoardCardData[];
}

/** One result of POST /requirements/:id/pipeline/bulk. */
export interface BulkResult {
	application_id: string;
	ok: boolean;
	error?: { code: string; message: string };
}
