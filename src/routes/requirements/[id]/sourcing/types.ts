/** A sourcing result as GET /sourcing/results answers it. */
export interface SourcingResult {
	id: string;
	origin: 'linkedin_xray' | 'smartrecruiters';
	name: string;
	headline: string | null;
	location: string | null;
	profile_url: string | null;
	status: 'new' | 'added' | 'dismissed' | 'duplicate';
	existing_candidate_id: string | null;
	candidate_id: string | null;
	created_at: string;
}

/** What POST /sourcing/linkedin-xray answers. */
export interface XrayOutcome {
	query: string;
	built_query: string;
	configured: boolean;
	message: string;
	quota: { day: string; used: number; limit: number; remaining: number };
	pages_fetched: number;
	found: number;
	added: number;
	duplicates: number;
	already_listed: number;
	quota_exhausted: boolean;
	results: SourcingResult[];
}

/** A SmartRecruiters import run. */
export interface ImportRun {
	id: string;
	job_id: string | null;
	external_job_id: string;
	status: 'running' | 'paused' | 'completed' | 'failed';
	pause_reason: string | null;
	processed: number;
	imported: number;
	duplicates: number;
	/** Null while paused or failed. */
	progress: number | null;
	progress_message: string | null;
	job_status: string | null;
	created_at: string;
	updated_at: string;
}
