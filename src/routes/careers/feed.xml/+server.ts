import { getRuntime } from '$lib/server/registry';
import { listPostings } from '$lib/server/postings/service';
import { jobFeedXml } from '$lib/server/postings/structured-data';

/** The job feed for aggregators: every published open position. */
export const GET = async () => {
	const rt = getRuntime();
	const postings = await listPostings(rt);
	const xml = jobFeedXml(
		postings,
		{ name: rt.config.ORG_NAME, url: new URL('/careers', rt.config.ORIGIN).href },
		(p) => new URL(`/careers/${p.id}`, rt.config.ORIGIN).href
	);
	return new Response(xml, {
		headers: { 'content-type': 'application/xml; charset=utf-8', 'cache-control': 'public, max-age=300' }
	});
};
