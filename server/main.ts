/**
 * The web entry: serves the SvelteKit app (pages, API) and, in embedded mode, the live-document
 * sync server on the same port at /collab. `node build/main.js [embedded|web]`.
 *
 * The runtime (database, queue, sync server) is created by the SvelteKit server's `init` hook
 * when the handler is imported; this file finds it through the process registry.
 */
import { createServer, STATUS_CODES, type ServerResponse } from 'node:http';
import type { Runtime } from '../src/lib/server/runtime';
import { closeHttpServer, onShutdown, routeUpgrades } from './http';

const role = process.argv[2] === 'web' ? 'web' : 'embedded';
process.env.HH_ROLE = role;
// Uploads (CVs) reach 10 MB; JSON bodies are held to 1 MB by the API itself.
process.env.BODY_SIZE_LIMIT ??= '12M';
const trustProxy = /^(1|true)$/.test(process.env.TRUST_PROXY ?? '');
if (trustProxy) {
	process.env.ADDRESS_HEADER ??= 'x-forwarded-for';
	process.env.XFF_DEPTH ??= '1';
}
// Without ORIGIN, adapter-node takes every request for https, and SvelteKit's cross-site check
// then refuses the form posts of a plain-http `npm start` (sign-in, first-run setup). Tell it
// the real protocol through a header only this server sets (any incoming copy is dropped).
const PROTOCOL_HEADER = 'x-hiring-hare-protocol';
const deriveOrigin = !process.env.ORIGIN?.trim() && !process.env.PROTOCOL_HEADER;
if (deriveOrigin) {
	delete process.env.ORIGIN;
	process.env.PROTOCOL_HEADER = PROTOCOL_HEADER;
}

const started = performance.now();
// @ts-expect-error -- built by `vite build` (adapter-node) next to this file
const { handler } = (await import('./handler.js')) as { handler: (req: unknown, res: unknown, next?: unknown) => void };
const rt = (globalThis as Record<symbol, Runtime | undefined>)[Symbol.for('hiring-hare.runtime')];
if (!rt) throw new Error('The runtime did not start');

const bodyLimit = parseSize(process.env.BODY_SIZE_LIMIT);
const server = createServer((req, res) => {
	// adapter-node answers bodies over BODY_SIZE_LIMIT with plain text before any hook runs;
	// API clients get the JSON envelope instead.
	if (isApiPath(req.url) && Number(req.headers['content-length'] ?? 0) > bodyLimit) {
		res.writeHead(413, { 'content-type': 'application/json', 'x-content-type-options': 'nosniff' });
		res.end(
			JSON.stringify({
				success: false,
				error: { code: 'PAYLOAD_TOO_LARGE', message: 'The request body is too large' },
				timestamp: new Date().toISOString()
			})
		);
		// Read and discard the rest, so the client can finish sending and read this answer.
		req.resume();
		return;
	}
	// An answer given before the body was read (401, 403, 404, 413…) must not leave the rest of
	// the body unread: the client would stall sending it, and the keep-alive connection with it.
	res.once('finish', () => {
		if (req.complete || req.destroyed) return;
		req.removeAllListeners('data');
		req.resume();
	});
	if (isApiPath(req.url)) enforceErrorEnvelope(res);
	if (deriveOrigin) {
		const forwarded = trustProxy
			? String(req.headers['x-forwarded-proto'] ?? '')
					.split(',')[0]
					.trim()
			: '';
		const encrypted = 'encrypted' in req.socket && req.socket.encrypted === true;
		req.headers[PROTOCOL_HEADER] =
			forwarded === 'https' || forwarded === 'http' ? forwarded : encrypted ? 'https' : 'http';
	}
	handler(req, res);
});
server.keepAliveTimeout = 65_000;
const collab = rt.collab;
if (collab) routeUpgrades(server, (req, socket, head) => collab.handleUpgrade(req, socket, head));

rt.onClose(() => closeHttpServer(server));
onShutdown(
	() => rt.close(),
	(msg) => rt.logger.info(msg)
);

server.listen(rt.config.PORT, rt.config.HOST, () => {
	const address = server.address();
	const port = typeof address === 'object' && address ? address.port : rt.config.PORT;
	rt.logger.info(
		{ port, database: rt.database.kind, queue: rt.jobs.kind, startMs: Math.round(performance.now() - started) },
		`Hiring Hare listening on http://localhost:${port}`
	);
});

/**
 * SvelteKit answers a few API requests before any hook runs — the cross-site form check (403)
 * above all — in plain text. API clients are promised the JSON error envelope for every error,
 * so such an answer is rewritten here, at the last moment it can be.
 */
function enforceErrorEnvelope(res: ServerResponse) {
	const writeHead = res.writeHead.bind(res) as (status: number, ...rest: unknown[]) => ServerResponse;
	res.writeHead = ((status: number, ...rest: unknown[]) => {
		const type = String(res.getHeader('content-type') ?? '');
		if (status < 400 || rest.length > 0 || /application\/json/.test(type)) return writeHead(status, ...rest);
		const body = JSON.stringify({
			success: false,
			error: { code: ERROR_CODES[status] ?? (status >= 500 ? 'INTERNAL_ERROR' : 'ERROR'), message: statusText(status) },
			timestamp: new Date().toISOString()
		});
		res.setHeader('content-type', 'application/json');
		res.setHeader('content-length', Buffer.byteLength(body));
		writeHead(status);
		const end = res.end.bind(res);
		end(body);
		// What SvelteKit then writes of its own body goes nowhere.
		res.write = (() => true) as typeof res.write;
		res.end = ((...args: unknown[]) => {
			const callback = args.find((a) => typeof a === 'function') as (() => void) | undefined;
			callback?.();
			return res;
		}) as typeof res.end;
		return res;
	}) as typeof res.writeHead;
}

const ERROR_CODES: Record<number, string> = {
	400: 'BAD_REQUEST',
	403: 'FORBIDDEN',
	404: 'NOT_FOUND',
	413: 'PAYLOAD_TOO_LARGE'
};

function statusText(status: number): string {
	if (status === 403) return 'Cross-site form submissions to the API are forbidden';
	return STATUS_CODES[status] ?? 'Request failed';
}

function isApiPath(url: string | undefined): boolean {
	const path = (url ?? '/').split('?')[0];
	return path === '/api' || path.startsWith('/api/');
}

/** adapter-node's size syntax: bytes, or a number with K, M or G. */
function parseSize(value: string | undefined): number {
	const match = /^(\d+(?:\.\d+)?)\s*([KMG]?)B?$/i.exec((value ?? '').trim());
	if (!match) return Infinity;
	const unit = { '': 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3 }[match[2].toUpperCase() as '' | 'K' | 'M' | 'G'];
	return Number(match[1]) * unit;
}
