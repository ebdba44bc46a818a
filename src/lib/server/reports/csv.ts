import { csvCell } from '../candidates/transfer';
import type { ReportKind, Reports } from '../../schemas/reports';

/** One CSV row of a report: what part of it, which item, which measure, the value. */
type Row = [section: string, item: string, measure: string, value: number | string | null];

const HEADER = ['section', 'item', 'measure', 'value'];

function statusRows(section: string, counts: Record<string, number>): Row[] {
	return Object.entries(counts).map(([status, n]) => [section, status, 'count', n]);
}

/** A report as rows (long format: one figure per line, so every report fits the same columns). */
export function reportRows<K extends ReportKind>(kind: K, report: Reports[K]): Row[] {
	const rows: Row[] = [];
	switch (kind) {
		case 'pipeline': {
			const r = report as Reports['pipeline'];
			rows.push(['total', 'applications', 'count', r.applications]);
			for (const s of r.stages) {
				rows.push(['stage', s.key, 'reached', s.reached], ['stage', s.key, 'current', s.current]);
				rows.push(['stage', s.key, 'conversion_from_previous', s.conversion]);
			}
			rows.push(['closed', 'rejected', 'count', r.rejected], ['closed', 'withdrawn', 'count', r.withdrawn]);
			for (const x of r.rejection_reasons) rows.push(['rejection_reason', x.reason ?? 'none', 'count', x.count]);
			break;
		}
		case 'time-to-hire': {
			const r = report as Reports['time-to-hire'];
			rows.push(['total', 'hires', 'count', r.hires]);
			rows.push(
				['days_to_hire', 'all', 'median', r.days_to_hire.median],
				['days_to_hire', 'all', 'mean', r.days_to_hire.mean]
			);
			rows.push(['total', 'filled_requirements', 'count', r.filled_requirements]);
			rows.push(
				['days_to_fill', 'all', 'median', r.days_to_fill.median],
				['days_to_fill', 'all', 'mean', r.days_to_fill.mean]
			);
			for (const s of r.stage_days) rows.push(['stage_days', s.key, 'average', s.average]);
			for (const d of r.departments) {
				rows.push(['department', d.department, 'hires', d.hires]);
				rows.push(['department', d.department, 'median_days_to_hire', d.median_days_to_hire]);
				rows.push(['department', d.department, 'mean_days_to_hire', d.mean_days_to_hire]);
				rows.push(['department', d.department, 'median_days_to_fill', d.median_days_to_fill]);
			}
			break;
		}
		case 'sources': {
			const r = report as Reports['sources'];
			for (const s of r.sources) {
				rows.push(
					['source', s.source, 'candidates', s.candidates],
					['source', s.source, 'applications', s.applications]
				);
				rows.push(['source', s.source, 'hires', s.hires], ['source', s.source, 'hire_rate', s.hire_rate]);
			}
			break;
		}
		case 'requirements': {
			const r = report as Reports['requirements'];
			rows.push(['total', 'requirements', 'count', r.total], ...statusRows('status', r.by_status));
			for (const d of r.departments) {
				rows.push(...statusRows(`department:${d.department}`, d.by_status));
				rows.push([`department:${d.department}`, 'open_headcount', 'count', d.open_headcount]);
			}
			rows.push(['total', 'open_headcount', 'count', r.open_headcount]);
			rows.push(
				['approval_days', 'all', 'median', r.approval_days.median],
				['approval_days', 'all', 'count', r.approval_days.count]
			);
			for (const x of r.past_target_start)
				rows.push(['past_target_start', `${x.reference} ${x.title}`, x.target_start_date, x.open_headcount]);
			break;
		}
		case 'offers': {
			const r = report as Reports['offers'];
			rows.push(['total', 'offers', 'count', r.total], ...statusRows('status', r.by_status));
			rows.push(['acceptance', 'all', 'rate', r.acceptance_rate]);
			rows.push(
				['decision_days', 'all', 'median', r.decision_days.median],
				['decision_days', 'all', 'count', r.decision_days.count]
			);
			break;
		}
		case 'interviews': {
			const r = report as Reports['interviews'];
			rows.push(['total', 'interviews', 'count', r.total], ...statusRows('status', r.by_status));
			rows.push(
				['scorecards', 'all', 'submitted', r.scorecards.submitted],
				['scorecards', 'all', 'within_24h', r.scorecards.within_24h]
			);
			rows.push(['scorecards', 'all', 'on_time_rate', r.scorecards.on_time_rate]);
			rows.push(['overdue_feedback', 'all', 'count', r.overdue_feedback]);
			r.overdue_by_interviewer.forEach((x, i) =>
				rows.push(['overdue_feedback', x.name ?? `interviewer ${i + 1}`, 'count', x.overdue])
			);
			break;
		}
	}
	return rows;
}

/** The report as a CSV stream (UTF-8 with BOM, CRLF lines, cells made safe for spreadsheets). */
export function reportCsv<K extends ReportKind>(kind: K, report: Reports[K]): ReadableStream<Uint8Array> {
	const lines = [HEADER, ...reportRows(kind, report)].map((row) =>
		row.map((v) => csvCell(v === null ? '' : String(v))).join(',')
	);
	const encoder = new TextEncoder();
	let i = 0;
	return new ReadableStream<Uint8Array>({
		pull(controller) {
			if (i === 0) controller.enqueue(encoder.encode('\ufeff'));
			const chunk = lines.slice(i, i + 200);
			i += 200;
			if (chunk.length === 0) return controller.close();
			controller.enqueue(encoder.encode(chunk.join('\r\n') + '\r\n'));
		}
	});
}
