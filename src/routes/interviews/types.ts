import type {
	InterviewStatus,
	InterviewType,
	Recommendation,
	RatingLevel,
	TemplateSection
} from '$lib/domain/interviews';

/*
 * Shapes of the interview API's answers that these pages use (snake_case, dates as ISO strings).
 * The server owns them (src/lib/server/interviews); these mirror what it sends.
 */

export interface PanelMember {
	user_id: string;
	name: string;
	email: string;
	is_lead: boolean;
	submitted: boolean;
}

export interface InterviewSummary {
	id: string;
	application_id: string;
	requirement_id: string;
	candidate_id: string;
	type: InterviewType;
	starts_at: string;
	ends_at: string;
	time_zone: string;
	location: string | null;
	video_link: string | null;
	status: InterviewStatus;
	scorecard_template_id: string | null;
	version: number;
	candidate_name: string;
	requirement_title: string;
}

export interface Interview extends InterviewSummary {
	candidate_title: string | null;
	template_name: string | null;
	type_label: string;
	ical_sequence: number;
	invite_candidate: boolean;
	panel: PanelMember[];
	capabilities: {
		can_edit: boolean;
		is_panelist: boolean;
		can_write_notes: boolean;
		can_read_notes: boolean;
	};
}

export interface Conflict {
	user_id: string;
	name: string;
	interview_id: string;
	starts_at: string;
	ends_at: string;
}

/** POST /interviews and PATCH /interviews/:id answer the interview and the panel's clashes. */
export interface ScheduleResult {
	interview: Interview;
	conflicts: Conflict[];
}

export interface ScorecardTemplate {
	id: string;
	name: string;
	description: string | null;
	sections: TemplateSection[];
	rating_scale: RatingLevel[];
	is_active: boolean;
}

/** One submitted (immutable) revision of a scorecard. */
export interface Feedback {
	id: string;
	interview_id: string;
	user_id: string;
	revision: number;
	template: { sections: TemplateSection[]; rating_scale: RatingLevel[] };
	ratings: Record<string, { rating: number; evidence: string }>;
	recommendation: Recommendation;
	summary: string | null;
	submitted_at: string;
	interviewer_name: string;
}

export interface Debrief {
	application: { id: string; stage: string; candidate_id: string; requirement_title: string };
	interviews: Array<{ id: string; type: InterviewType; starts_at: string; status: InterviewStatus; visible: boolean }>;
	scorecards: Feedback[];
	grid: Array<{
		key: string;
		name: string;
		section: string;
		ratings: Array<{ feedback_id: string; rating: number | null }>;
		average: number | null;
	}>;
	recommendations: Record<Recommendation, number>;
	debrief_document: string;
}

/** The latest revision of each interviewer's scorecard, from all revisions (oldest first). */
export function latestRevisions(items: Feedback[]): Feedback[] {
	const latest = new Map<string, Feedback>();
	for (const item of items) {
		const seen = latest.get(item.user_id);
		if (!seen || seen.revision < item.revision) latest.set(item.user_id, item);
	}
	return [...latest.values()];
}
