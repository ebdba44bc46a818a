import { describe, expect, it } from 'vitest';
import { reportCsv, reportRows } from '../../src/lib/server/reports/csv';
import type { Reports } from '../../src/lib/schemas/reports';

const requirements: Reports['requirements'] = {
	total: 2,
	by_status: { open: 1, filled: 1 },
	departments: [
		{ department_id: 'd1', department: '=Sales, "EMEA"', by_status: { open: 1, filled: 1 }, open_headcount: 2 }
	],
	open_headcount: 2,
	approval_days: { median: 1.5, count: 2 },
	past_target_start: [
		{ id: 'r1', reference: 'REQ-000007', title: 'Seller', target_start_date: '2020-01-02', open_headcount: 2 }
	]
};

async function text(stream: ReadableStream<Uint8Array>): Promise<string> {
	// Keep the BOM: Response.text() would drop it.
	return new TextDecoder('utf-8', { ignoreBOM: true }).decode(await new Response(stream).arrayBuffer());
}

describe('report CSV', () => {
	it('writes one figure a line, empty cells for missing figures', () => {
		const rows = reportRows('offers', {
			total: 1,
			by_status: { accepted: 0, declined: 1 },
			acceptance_rate: 0,
			decision_days: { median: null, count: 0 }
		});
		expect(rows).toEqual([
			['total', 'offers', 'count', 1],
			['status', 'accepted', 'count', 0],
			['status', 'declined', 'count', 1],
			['acceptance', 'all', 'rate', 0],
			['decision_days', 'all', 'median', null],
			['decision_days', 'all', 'count', 0]
		]);
	});

	it('streams a BOM, the header and CRLF lines, quoting and neutralising spreadsheet formulas', async () => {
		const csv = await text(reportCsv('requirements', requirements));
		expect(csv.startsWith('\ufeffsection,item,measure,value\r\n')).toBe(true);
		const lines = csv.slice(1).trim().split('\r\n');
		expect(lines).toContain(`"department:=Sales, ""EMEA""",open_headcount,count,2`);
		expect(lines).toContain('approval_days,all,median,1.5');
		expect(lines).toContain('past_target_start,REQ-000007 Seller,2020-01-02,2');
		// A name starting with = in the first cell is made inert.
		const formula = await text(
			reportCsv('time-to-hire', {
				hires: 0,
				days_to_hire: { median: null, mean: null },
				filled_requirements: 0,
				days_to_fill: { median: null, mean: null },
				stage_days: [],
				departments: [
					{
						department_id: 'd',
						department: '=HYPERLINK("x")',
						hires: 1,
						median_days_to_hire: 2,
						mean_days_to_hire: 2,
						median_days_to_fill: null
					}
				]
			})
		);
		expect(formula).toContain(`department,"'=HYPERLINK(""x"")",hires,1\r\n`);
		expect(formula).toContain('days_to_hire,all,median,\r\n');
	});
});
