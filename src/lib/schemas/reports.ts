import { z } from 'zod';

/** A calendar day, YYYY-MM-DD, that exists (zod checks month lengths and leap years). */
const day = z.iso.date('Use a date like 2027-03-01');

/** The filters every report takes (query string), and `format=csv` for a download. */
export const reportQuery = z
	.object({
		department_id: z.string().uuid().optional(),
		requirement_id: z.string().uuid().optional(),
		from: day.optional(),
		to: day.optional(),
		format: z.enum(['json', 'csv']).default('json')
	})
	.superRefine((v, ctx) => {
		if (v.from && v.to && v.to < v.from)
			ctx.addIssue({ code: 'custom', path: ['to'], message: 'Must not be before from' });
	});

export type ReportQuery = z.infer<typeof reportQuery>;

export const REPORT_KINDS = ['pipeline', 'time-to-hire', 'sources', 'requirements', 'offers', 'interviews'] as const;
export type ReportKind = (typeof REPORT_KINDS)[number];

type Num = number | null;

/** The reports' answers (`data` of each endpoint), shared by the service and the page. */
export interface PipelineReport {
	/** Applications created in the period, to the requirements in the report. */
	applications: number;
	stages: Array<{ key: string; label: string; reached: number; current: number; conversion: Num }>;
	rejected: number;
	withdrawn: number;
	rejection_reasons: Array<{ reason: string | null; count: number }>;
}

export interface TimeToHireReport {
	/** Hires in the period (the application first entered `hired` then, and is still hired). */
	hires: number;
	days_to_hire: { median: Num; mean: Num };
	/** Requirements filled in the period: opened → filled. */
	filled_requirements: number;
	days_to_fill: { median: Num; mean: Num };
	/** Average days the period's hires spent in each stage (stage history durations). */
	stage_days: Array<{ key: string; label: string; average: Num; moves: number }>;
	departments: Array<{
		department_id: string;
		department: string;
		hires: number;
		median_days_to_hire: Num;
		mean_days_to_hire: Num;
		median_days_to_fill: Num;
	}>;
}

export interface SourcesReport {
	sources: Array<{ source: string; candidates: number; applications: number; hires: number; hire_rate: Num }>;
}

export interface RequirementsReport {
	/** Requirements created in the period. */
	total: number;
	by_status: Record<string, number>;
	departments: Array<{
		department_id: string;
		department: string;
		by_status: Record<string, number>;
		open_headcount: number;
	}>;
	/** Headcount of open requirements not yet hired for. */
	open_headcount: number;
	/** Submitted → approved, over the approved ones. */
	approval_days: { median: Num; count: number };
	/** Approved or open requirements with headcount left whose target start date has passed. */
	past_target_start: Array<{
		id: string;
		reference: string;
		title: string;
		target_start_date: string;
		open_headcount: number;
	}>;
}

export interface OffersReport {
	/** Offers created in the period. */
	total: number;
	by_status: Record<string, number>;
	/** accepted / (accepted + declined + expired). */
	acceptance_rate: Num;
	/** Extended → accepted or declined. */
	decision_days: { median: Num; count: number };
}

export interface InterviewsReport {
	/** Interviews starting in the period. */
	total: number;
	by_status: Record<string, number>;
	/** First scorecards of panelists; on time = within 24 h of the interview's end. */
	scorecards: { submitted: number; within_24h: number; on_time_rate: Num };
	/** Panelists whose scorecard is missing more than 24 h after a held interview ended. */
	overdue_feedback: number;
	/** Per interviewer; names and ids only for those who may read interviews. */
	overdue_by_interviewer: Array<{ user_id: string | null; name: string | null; overdue: number }>;
}

export interface Reports {
	pipeline: PipelineReport;
	'time-to-hire': TimeToHireReport;
	sources: SourcesReport;
	requirements: RequirementsReport;
	offers: OffersReport;
	interviews: InterviewsReport;
}
