/**
 * The worker process of distributed mode: runs BullMQ jobs. Serves /health, /health/live,
 * /health/ready and /metrics on PORT (default 3002). Needs DATABASE_URL, REDIS_URL, SECRET_KEY.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { bootProcess } from '$lib/server/boot';
import { ConfigError } from '$lib/server/config';
import { checkReadiness, metricsAllowed, renderMetrics } from '$lib/server/observability/health';
import { closeHttpServer, onShutdown } from '../server/http';

let rt;
try {
	rt = await bootProcess('worker');
} catch (err) {
	if (err instanceof ConfigError) {
		console.error(err.message);
		process.exit(1);
	}
	throw err;
}
const runtime = rt;

const sendJson = (res: import('node:http').ServerResponse, status: number, body: unknown) => {
	res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
	res.end(JSON.stringify(body));
};

const server = createServer((req, res) => {
	void (async () => {
		const path = (req.url ?? '/').split('?')[0];
		if (req.method !== 'GET' && req.method !== 'HEAD') {
			sendJson(res, 405, { status: 'error', error: 'method not allowed' });
		} else if (path === '/health/live') {
			sendJson(res, 200, { status: 'ok' });
		} else if (path === '/health') {
			sendJson(res, 200, {
				status: 'ok',
				role: 'worker',
				version: runtime.version,
				uptime_seconds: Math.round((Date.now() - runtime.startedAt.getTime()) / 1000)
			});
		} else if (path === '/health/ready') {
			const readiness = await checkReadiness(runtime);
			const failed = Object.entries(readiness.checks)
				.filter(([, c]) => !c.ok)
				.map(([name]) => name);
			sendJson(res, readiness.ok ? 200 : 503, {
				status: readiness.ok ? 'ready' : 'not_ready',
				failed,
				checks: readiness.checks
			});
		} else if (path === '/metrics') {
			if (!metricsAllowed(runtime, req.headers.authorization ?? null)) {
				res.writeHead(401, { 'www-authenticate': 'Bearer' }).end();
				return;
			}
			res.writeHead(200, { 'content-type': runtime.metrics.registry.contentType, 'cache-control': 'no-store' });
			res.end(await renderMetrics(runtime));
		} else {
			sendJson(res, 404, { status: 'error', error: 'not found' });
		}
	})().catch((err: unknown) => {
		runtime.logger.error({ err }, 'worker health endpoint failed');
		if (!res.headersSent) sendJson(res, 500, { status: 'error' });
	});
});
runtime.onClose(() => closeHttpServer(server));
onShutdown(
	() => runtime.close(),
	(msg) => runtime.logger.info(msg)
);
server.listen(runtime.config.PORT, runtime.config.HOST, () => {
	// The port actually bound (PORT=0 picks a free one).
	const { port } = server.address() as AddressInfo;
	runtime.logger.info({ port }, 'worker running');
});
