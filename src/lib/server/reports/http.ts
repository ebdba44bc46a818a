import type { RequestEvent } from '@sveltejs/kit';
import { reportQuery, type ReportKind } from '../../schemas/reports';
import type { Actor } from '../actor';
import { ok } from '../http/envelope';
import { readQuery } from '../http/input';
import type { Runtime } from '../runtime';
import { reportCsv } from './csv';
import { assertCanRead, runReport } from './service';

/** Answers a report request: the filters from the query, JSON by default or a CSV download. */
export async function reportResponse(
	event: RequestEvent,
	rt: Runtime,
	actor: Actor,
	kind: ReportKind
): Promise<Response> {
	assertCanRead(actor);
	const q = readQuery(event.url, reportQuery);
	const report = await runReport(rt, actor, kind, {
		departmentId: q.department_id,
		requirementId: q.requirement_id,
		from: q.from,
		to: q.to
	});
	if (q.format === 'json') return ok(report);
	const stamp = new Date().toISOString().slice(0, 10);
	return new Response(reportCsv(kind, report), {
		headers: {
			'content-type': 'text/csv; charset=utf-8',
			'content-disposition': `attachment; filename="report-${kind}-${stamp}.csv"`,
			'cache-control': 'private, no-store'
		}
	});
}
