import { json } from '@sveltejs/kit';
import { getRuntime } from '$lib/server/registry';

/** Version and uptime. */
export const GET = () => {
	const rt = getRuntime();
	return json({
		status: 'ok',
		version: rt.version,
		role: rt.config.role,
		uptime_seconds: Math.round((Date.now() - rt.startedAt.getTime()) / 1000),
		database: rt.database.kind,
		queue: rt.jobs.kind
	});
};
