import type { Handle, HandleServerError, RequestEvent, ServerInit } from '@sveltejs/kit';
import { isHttpError, isRedirect, json, redirect } from '@sveltejs/kit';
import { sequence } from '@sveltejs/kit/hooks';
import { randomUUID } from 'node:crypto';
import { isFirstRun } from '$lib/server/auth/service';
import { validateSessionToken } from '$lib/server/auth/session';
import { bootProcess } from '$lib/server/boot';
import { ConfigError, type ProcessRole } from '$lib/server/config';
import { TooManyRequests } from '$lib/server/errors';
import { setSessionCookie, readSessionToken } from '$lib/server/http/cookies';
import { errorBody, errorResponse } from '$lib/server/http/envelope';
import { withIdempotency } from '$lib/server/http/idempotency';
import { RateLimiter } from '$lib/server/http/rate-limit';
import { getRuntime, peekRuntime, setRuntime } from '$lib/server/registry';

/**
 * Boots this process's runtime once, unless the server entry (or a test) already did.
 * The role comes from HH_ROLE, set by `server/main.ts` (embedded by default).
 */
export const init: ServerInit = async () => {
	if (peekRuntime()) return;
	try {
		setRuntime(await bootProcess(processRole(process.env.HH_ROLE)));
	} catch (err) {
		if (err instanceof ConfigError) {
			console.error(err.message);
			process.exit(1);
		}
		throw err;
	}
};

/** The SvelteKit server runs the all-in-one app or the web process of distributed mode. */
function processRole(value: string | undefined): ProcessRole {
	if (value === undefined || value === 'embedded') return 'embedded';
	if (value === 'web') return 'web';
	throw new ConfigError(`Invalid configuration: HH_ROLE must be embedded or web (got "${value.slice(0, 40)}")`);
}

let limiter: RateLimiter | undefined;
let setupDone = false;

const REQUEST_ID = /^[A-Za-z0-9_.:-]{1,100}$/;

const isApi = (event: RequestEvent) => event.url.pathname === '/api' || event.url.pathname.startsWith('/api/');

/** Request id (from X-Request-Id when sane), one log line and metrics per request. */
const requestContext: Handle = async ({ event, resolve }) => {
	const rt = getRuntime();
	const incoming = event.request.headers.get('x-request-id');
	event.locals.requestId = incoming && REQUEST_ID.test(incoming) ? incoming : randomUUID();
	Object.assign(event.locals, { user: null, session: null });
	const started = performance.now();
	let status = 500;
	try {
		const response = await resolve(event);
		status = response.status;
		try {
			response.headers.set('x-request-id', event.locals.requestId);
		} catch {
			// immutable headers
		}
		return response;
	} catch (err) {
		// SvelteKit turns a thrown redirect or HTTP error into its response after this hook.
		if (isRedirect(err) || isHttpError(err)) status = err.status;
		throw err;
	} finally {
		const seconds = (performance.now() - started) / 1000;
		const route = event.route.id ?? 'unmatched';
		rt.metrics.httpRequests.inc({ method: event.request.method, route, status: String(status) });
		rt.metrics.httpDuration.observe({ method: event.request.method, route }, seconds);
		rt.logger.info(
			{
				requestId: event.locals.requestId,
				method: event.request.method,
				path: event.url.pathname,
				route,
				status,
				ms: Math.round(seconds * 10000) / 10,
				userId: event.locals.user?.id
			},
			'request'
		);
	}
};

/** Per-client request budget on the API (the login throttle is separate and stricter). */
const rateLimit: Handle = async ({ event, resolve }) => {
	if (!isApi(event)) return resolve(event);
	const rt = getRuntime();
	limiter ??= new RateLimiter(rt.config.RATE_LIMIT_PER_MINUTE);
	// Keyed by who is signed in (made-up tokens do not buy fresh budgets), else by address.
	let key: string;
	if (event.locals.user) key = `u:${event.locals.user.id}`;
	else {
		try {
			key = `a:${event.getClientAddress()}`;
		} catch {
			key = 'a:unknown';
		}
	}
	const verdict = limiter.take(key);
	if (!verdict.allowed) {
		return errorResponse(new TooManyRequests('Too many requests', verdict.retryAfterSeconds), event.locals.requestId);
	}
	return resolve(event);
};

/** Reads the session (Bearer token or cookie) into locals; renews the cookie when it slid. */
const authenticate: Handle = async ({ event, resolve }) => {
	const rt = getRuntime();
	const token = readSessionToken(event.request, event.cookies);
	if (token) {
		const valid = await validateSessionToken(rt.db, token);
		if (valid) {
			event.locals.user = valid.user;
			event.locals.session = valid.session;
			event.locals.departmentScoped = valid.departmentScoped;
			if (valid.renewed && !event.request.headers.has('authorization')) {
				setSessionCookie(event.cookies, token, valid.session.expiresAt, rt.config.secureCookies);
			}
		}
	}
	return resolve(event);
};

/** Until the first account exists, every page leads to the first-run setup. */
const firstRun: Handle = async ({ event, resolve }) => {
	if (setupDone) return resolve(event);
	const path = event.url.pathname;
	const open =
		path === '/setup' || isApi(event) || path.startsWith('/health') || path === '/metrics' || path.startsWith('/_app/');
	if (!open && event.request.method === 'GET') {
		if (await isFirstRun(getRuntime())) redirect(303, '/setup');
		setupDone = true;
	}
	return resolve(event);
};

/** Writes with an Idempotency-Key are answered once and replayed after (the offline outbox). */
const idempotency: Handle = async ({ event, resolve }) => {
	const key = event.request.headers.get('idempotency-key');
	const method = event.request.method;
	if (!key || !isApi(event) || method === 'GET' || method === 'HEAD' || !event.locals.user) {
		return resolve(event);
	}
	return withIdempotency(getRuntime(), event, event.locals.user.id, key, async () => resolve(event));
};

/** Security headers on every answer (the CSP of pages comes from svelte.config.js). */
const securityHeaders: Handle = async ({ event, resolve }) => {
	const response = await resolve(event);
	const headers = response.headers;
	const set = (name: string, value: string) => {
		if (!headers.has(name)) headers.set(name, value);
	};
	try {
		set('x-content-type-options', 'nosniff');
		set('referrer-policy', 'strict-origin-when-cross-origin');
		set('x-frame-options', 'DENY');
		set('cross-origin-opener-policy', 'same-origin');
		set('permissions-policy', 'camera=(), microphone=(), geolocation=(), payment=()');
		if (!headers.has('content-security-policy')) {
			// API answers and files: nothing may run or frame them.
			set('content-security-policy', "default-src 'none'; frame-ancestors 'none'; sandbox");
		}
		if (getRuntime().config.ORIGIN.startsWith('https:')) {
			set('strict-transport-security', 'max-age=31536000; includeSubDomains');
		}
	} catch {
		// Immutable headers (a fetched Response passed through): leave them.
	}
	return response;
};

const STATUS_CODES: Record<number, [string, string]> = {
	400: ['BAD_REQUEST', 'The request is malformed'],
	401: ['UNAUTHORIZED', 'Authentication required'],
	403: ['FORBIDDEN', 'Forbidden'],
	404: ['NOT_FOUND', 'No such API endpoint'],
	413: ['PAYLOAD_TOO_LARGE', 'The request body is too large'],
	415: ['UNSUPPORTED_MEDIA_TYPE', 'Unsupported content type'],
	429: ['TOO_MANY_REQUESTS', 'Too many requests'],
	500: ['INTERNAL_ERROR', 'Something went wrong on our side'],
	503: ['SERVICE_UNAVAILABLE', 'The service is unavailable']
};

function apiError(event: RequestEvent, status: number, message?: string, headers?: Headers): Response {
	const [code, fallback] =
		status === 405
			? ['METHOD_NOT_ALLOWED', `${event.request.method} is not allowed here`]
			: (STATUS_CODES[status] ?? ['ERROR', 'Request failed']);
	const out = new Headers(headers);
	out.delete('content-length');
	out.set('content-type', 'application/json');
	out.set('cache-control', 'no-store');
	return json(errorBody(code, message ?? fallback, undefined, { requestId: event.locals.requestId }), {
		status,
		headers: out
	});
}

/**
 * API clients always get the JSON envelope: unknown routes (404, before any page layout can
 * redirect to the login page), wrong methods (405), errors thrown by hooks (a database that is
 * down while reading the session) and SvelteKit's own error answers. Never cached.
 */
const apiResponses: Handle = async ({ event, resolve }) => {
	if (!isApi(event)) return resolve(event);
	if (event.route.id === null) return apiError(event, 404);
	let response: Response;
	try {
		response = await resolve(event);
	} catch (err) {
		if (isRedirect(err)) throw err;
		if (isHttpError(err)) return apiError(event, err.status, err.body.message);
		getRuntime().logger.error(
			{ err, requestId: event.locals.requestId, path: event.url.pathname },
			'API request failed'
		);
		return apiError(event, 500);
	}
	if (response.status >= 400 && !(response.headers.get('content-type') ?? '').includes('application/json')) {
		return apiError(event, response.status, undefined, response.headers);
	}
	try {
		if (!response.headers.has('cache-control')) response.headers.set('cache-control', 'no-store');
	} catch {
		// immutable headers
	}
	return response;
};

export const handle = sequence(
	requestContext,
	securityHeaders,
	apiResponses,
	authenticate,
	rateLimit,
	firstRun,
	idempotency
);

/** Unexpected errors: logged with the request id; the user gets a safe message. */
export const handleError: HandleServerError = ({ error, event, status, message }) => {
	const requestId = event.locals.requestId;
	if (status !== 404) {
		peekRuntime()?.logger.error({ err: error, requestId, path: event.url.pathname }, 'unhandled error');
	}
	return {
		message: status === 404 ? 'Not found' : status >= 500 ? 'Something went wrong on our side' : message,
		requestId
	};
};
