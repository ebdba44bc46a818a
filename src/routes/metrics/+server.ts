import { renderMetrics, metricsAllowed } from '$lib/server/observability/health';
import { getRuntime } from '$lib/server/registry';
import type { RequestHandler } from './$types';

/** Prometheus text format (behind `Authorization: Bearer <METRICS_TOKEN>` when that is set). */
export const GET: RequestHandler = async ({ request }) => {
	const rt = getRuntime();
	if (!metricsAllowed(rt, request.headers.get('authorization'))) {
		return new Response('Unauthorized\n', {
			status: 401,
			headers: { 'www-authenticate': 'Bearer realm="metrics"', 'content-type': 'text/plain' }
		});
	}
	return new Response(await renderMetrics(rt), {
		headers: { 'content-type': rt.metrics.registry.contentType, 'cache-control': 'no-store' }
	});
};
