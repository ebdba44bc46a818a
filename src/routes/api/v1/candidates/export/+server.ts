import { listCandidatesQuery } from '$lib/schemas/candidates';
import { exportCandidatesCsv } from '$lib/server/candidates/transfer';
import { endpoint, requireUser } from '$lib/server/http/endpoint';
import { readQuery } from '$lib/server/http/input';

/** The filtered list as CSV, streamed (same filters as GET /candidates). */
export const GET = endpoint(async (event, { rt, actor }) => {
	requireUser(event);
	const { page: _page, page_size: _size, ...filter } = readQuery(event.url, listCandidatesQuery);
	const stream = exportCandidatesCsv(rt, actor, filter);
	const stamp = new Date().toISOString().slice(0, 10);
	return new Response(stream, {
		headers: {
			'content-type': 'text/csv; charset=utf-8',
			'content-disposition': `attachment; filename="candidates-${stamp}.csv"`,
			'cache-control': 'private, no-store'
		}
	});
});
