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
}

export interface BoardData {
	requirement_id: string;
	version: number;
	columns: PipelineStage[];
	cards: BoardCardData[];
}

/** What the board adds to a card from other parts of the API, when the user may see them. */
export interface CardExtras {
	/** The latest AI screening score (0–100). */
	score?: number;
	/** The next (or latest) interview: its status and when. */
	interview?: { status: string; starts_at: string };
}

/** One result of POST /requirements/:id/pipeline/bulk. */
export interface BulkResult {
	application_id: string;
	ok: boolean;
	error?: { code: string; message: string };
}
