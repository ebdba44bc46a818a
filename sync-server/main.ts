/**
 * The sync-server process of distributed mode: Hocuspocus on PORT (default 3001) at /collab,
 * with /health, /health/live, /health/ready and /metrics. Needs DATABASE_URL and REDIS_URL.
 */
import { createServer } from 'node:http';
import { randomUUID } from 'node:crypto';
import { bootProcess } from '$lib/server/boot';
import { ConfigError } from '$lib/server/config';
import { checkReadiness, metricsAllowed, renderMetrics, syncHeartbeatKey } from '$lib/server/observability/health';
import { closeHttpServer, onShutdown, routeUpgrades } from '../server/http';
import type { CollabServer } from './server';

let rt;
try {
	rt = await bootProcess('sync');
} catch (err) {
	if (err instanceof ConfigError) {
		console.error(err.message);
		process.exit(1);
	}
	throw err;
}
const runtime = rt;
const collab = runtime.collab as CollabServer;
const id = randomUUID();

const server = createServer((req, res) => {
	void (async () => {
		const path = (req.url ?? '/').split('?')[0];
		if (path === '/health/live' || path === '/health') {
			res.writeHead(200, { 'content-type': 'application/json' });
			res.end(JSON.stringify({ status: 'ok', role: 'sync', version: runtime.version }));
		} else if (path === '/health/ready') {
			const readiness = await checkReadiness(runtime);
			res.writeHead(readiness.ok ? 200 : 503, { 'content-type': 'application/json' });
			res.end(JSON.stringify(readiness));
		} else if (path === '/metrics') {
			if (!metricsAllowed(runtime, req.headers.authorization ?? null)) {
				res.writeHead(401, { 'content-type': 'text/plain', 'www-authenticate': 'Bearer' }).end('unauthorized\n');
				return;
			}
			res.writeHead(200, { 'content-type': runtime.metrics.registry.contentType });
			res.end(await renderMetrics(runtime));
		} else {
			res.writeHead(404).end();
		}
	})();
});
routeUpgrades(server, (req, socket, head) => collab.handleUpgrade(req, socket, head));

// The web processes' readiness looks for at least one live sync process.
const heartbeat = () =>
	runtime.redis
		?.set(syncHeartbeatKey(runtime.config.REDIS_PREFIX, id), String(Date.now()), 'PX', 15_000)
		.catch(() => null);
// Not awaited: with Redis down at boot, the commands wait in ioredis's queue until it is back.
void heartbeat();
const timer = setInterval(() => void heartbeat(), 5000);
runtime.onClose(async () => {
	clearInterval(timer);
	await runtime.redis?.del(syncHeartbeatKey(runtime.config.REDIS_PREFIX, id)).catch(() => 0);
});
runtime.onClose(() => closeHttpServer(server));
onShutdown(
	() => runtime.close(),
	(msg) => runtime.logger.info(msg)
);

server.listen(runtime.config.PORT, runtime.config.HOST, () => {
	// The bound port: with PORT=0 the system picks one (tests, several processes on one host).
	const address = server.address();
	const port = typeof address === 'object' && address ? address.port : runtime.config.PORT;
	runtime.logger.info({ port }, 'sync server listening');
});
