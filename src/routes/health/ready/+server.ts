import { json } from '@sveltejs/kit';
import { checkReadiness } from '$lib/server/observability/health';
import { getRuntime } from '$lib/server/registry';

/** Database, queue and sync reachable → 200; otherwise 503 naming what failed. */
export const GET = async () => {
	const readiness = await checkReadiness(getRuntime());
	const failed = Object.entries(readiness.checks)
		.filter(([, c]) => !c.ok)
		.map(([name]) => name);
	return json(
		{ status: readiness.ok ? 'ready' : 'not_ready', failed, checks: readiness.checks },
		{ status: readiness.ok ? 200 : 503, headers: { 'cache-control': 'no-store' } }
	);
};
