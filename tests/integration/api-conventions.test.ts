import { request as httpRequest } from 'node:http';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiClient, registerFirstAdmin, startProcess, waitFor, type RunningProcess } from '../helpers/app';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { BACKENDS, TEST_DATABASE_URL } from '../helpers/env';

const ENVELOPE_KEYS = ['success', 'data', 'timestamp'];

/** Sends a raw body in chunks with no Content-Length (as a streaming client would). */
function postChunked(
	url: string,
	token: string,
	chunks: number,
	chunkSize: number
): Promise<{ status: number; body: any }> {
	return new Promise((resolve, reject) => {
		const req = httpRequest(
			url,
			{
				method: 'POST',
				headers: {
					'content-type': 'application/json',
					authorization: `Bearer ${token}`,
					'transfer-encoding': 'chunked'
				}
			},
			(res) => {
				let text = '';
				res.on('data', (c: Buffer) => (text += c.toString()));
				res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }));
			}
		);
		req.on('error', reject);
		const write = (i: number) => {
			if (i === chunks) return req.end();
			const ok = req.write(i === 0 ? '{"name":"' + 'x'.repeat(chunkSize - 9) : 'x'.repeat(chunkSize));
			if (ok) write(i + 1);
			else req.once('drain', () => write(i + 1));
		};
		write(0);
	});
}

/** The public API's conventions, security headers and operations endpoints, on the built app. */
describe.each(BACKENDS)('API conventions on %s', (backend) => {
	let app: RunningProcess;
	let database: TestDatabase | undefined;
	let owner: Awaited<ReturnType<typeof registerFirstAdmin>>;

	beforeAll(async () => {
		const env: Record<string, string> = {};
		if (backend === 'postgres') {
			database = await createTestDatabase('postgres');
			env.DATABASE_URL = database.url as string;
		}
		app = await startProcess({ env });
		owner = await registerFirstAdmin(app.url);
	});

	afterAll(async () => {
		await app?.stop();
		await database?.close();
	});

	it('answers success as { success, data, timestamp } with snake_case fields', async () => {
		const response = await owner.api.get('/auth/me');
		expect(response.status).toBe(200);
		expect(response.headers.get('content-type')).toMatch(/^application\/json/);
		expect(Object.keys(response.body)).toEqual(ENVELOPE_KEYS);
		expect(response.body.success).toBe(true);
		expect(new Date(response.body.timestamp).toISOString()).toBe(response.body.timestamp);
		expect(response.body.data).toMatchObject({ user: { role: 'super_admin' }, session_expires_at: expect.any(String) });
		expect(response.headers.get('cache-control')).toBe('no-store');
	});

	it('answers malformed JSON with 400 and the error envelope', async () => {
		for (const body of ['{"email": ', '{bad json}', '\u0000', '['.repeat(200_000)]) {
			const response = await owner.api.post('/users', body);
			expect(response.status).toBe(400);
			expect(Object.keys(response.body)).toEqual(['success', 'error', 'timestamp']);
			expect(response.body.success).toBe(false);
			expect(response.body.error).toMatchObject({
				code: 'INVALID_JSON',
				message: expect.stringMatching(/^Malformed JSON/)
			});
		}
	});

	it('answers wrong types with 422 and [{ field, message }] details', async () => {
		const response = await owner.api.post('/users', { email: 42, name: ['x'], password: true, role: 'emperor' });
		expect(response.status).toBe(422);
		expect(response.body.error.code).toBe('VALIDATION_ERROR');
		const details = response.body.error.details as Array<{ field: string; message: string }>;
		expect(details.map((d) => d.field).sort()).toEqual(['email', 'name', 'password', 'role']);
		for (const detail of details) expect(Object.keys(detail).sort()).toEqual(['field', 'message']);
		expect(details.find((d) => d.field === 'role')?.message).toMatch(/^Role must be one of/);
	});

	it('never answers bad input with a 500', async () => {
		const attempts = [
			owner.api.post('/users', 'null'),
			owner.api.post('/users', '"a string"'),
			owner.api.post('/users', '{"email":"a@b.co","name":"n","password":"p".repeat(1),"role":"viewer"}'),
			owner.api.post('/users', {
				email: 'a@b.co',
				name: 'x'.repeat(10_000),
				password: 'p'.repeat(10_000),
				role: 'viewer'
			}),
			owner.api.patch('/users/%E0%A4%A', { name: 'x' }),
			owner.api.get('/users?page=1e400&page_size=-1'),
			owner.api.get('/audit-logs?from=2026-13-45&actor_id[]=x'),
			owner.api.post('/users', Buffer.from([0xff, 0xfe, 0xfd]).toString('latin1')),
			apiClient(app.url, 'not a token at all!').get('/auth/me'),
			apiClient(app.url).get('/auth/me', { cookie: 'hh_session=%%%' }),
			apiClient(app.url).post('/auth/login', { email: 'a@b.co', password: 'x'.repeat(100_000) })
		];
		for (const response of await Promise.all(attempts)) {
			expect(response.status, JSON.stringify(response.body)).toBeGreaterThanOrEqual(400);
			expect(response.status, JSON.stringify(response.body)).toBeLessThan(500);
			expect(response.body.success).toBe(false);
		}
	});

	it('answers 413 for bodies over 1 MB, declared, streamed or past the server limit', async () => {
		const big = JSON.stringify({
			email: 'a@b.co',
			name: 'x'.repeat(1024 * 1024),
			password: 'p'.repeat(20),
			role: 'viewer'
		});
		const declared = await owner.api.post('/users', big);
		expect(declared.status).toBe(413);
		expect(declared.body).toMatchObject({ success: false, error: { code: 'PAYLOAD_TOO_LARGE' } });
		const streamed = await postChunked(`${app.url}/api/v1/users`, owner.token, 20, 64 * 1024);
		expect(streamed.status).toBe(413);
		expect(streamed.body.error.code).toBe('PAYLOAD_TOO_LARGE');
		const huge = await owner.api.post('/users', 'x'.repeat(13 * 1024 * 1024));
		expect(huge.status).toBe(413);
		expect(huge.body).toMatchObject({ success: false, error: { code: 'PAYLOAD_TOO_LARGE' } });
		// and nothing was created on the way
		const list = await owner.api.get('/users');
		expect(list.body.data.items.map((u: { email: string }) => u.email)).toEqual(['owner@example.com']);
	});

	it('answers unknown API routes with a 404 JSON envelope, signed in or not', async () => {
		for (const client of [apiClient(app.url), owner.api]) {
			for (const path of ['/nope', '/users/x/y/z', '/../v2/users']) {
				const response = await client.get(path);
				expect(response.status).toBe(404);
				expect(response.headers.get('content-type')).toMatch(/^application\/json/);
				expect(response.body).toMatchObject({ success: false, error: { code: 'NOT_FOUND' } });
			}
		}
		const root = await fetch(`${app.url}/api/v2/users`);
		expect(root.status).toBe(404);
		expect((await root.json()).error.code).toBe('NOT_FOUND');
	});

	it('answers a wrong method with 405, the allowed methods and the JSON envelope', async () => {
		const response = await owner.api.delete('/auth/me');
		expect(response.status).toBe(405);
		expect(response.headers.get('allow')).toMatch(/GET/);
		expect(response.body).toMatchObject({ success: false, error: { code: 'METHOD_NOT_ALLOWED' } });
		const put = await fetch(`${app.url}/api/v1/users`, {
			method: 'PUT',
			headers: { authorization: `Bearer ${owner.token}` }
		});
		expect(put.status).toBe(405);
		expect((await put.json()).error.code).toBe('METHOD_NOT_ALLOWED');
	});

	it('replays a write with the same Idempotency-Key and creates nothing twice', async () => {
		const body = { email: 'once@example.com', name: 'Once', password: 'a long password 1', role: 'viewer' };
		const key = { 'idempotency-key': 'outbox-0001-create-once' };
		const first = await owner.api.post('/users', body, key);
		expect(first.status).toBe(201);
		const replay = await owner.api.post('/users', body, key);
		expect(replay.status).toBe(201);
		expect(replay.headers.get('idempotent-replayed')).toBe('true');
		expect(replay.body).toEqual(first.body);
		const list = await owner.api.get('/users?q=once');
		expect(list.body.data.pagination.total_items).toBe(1);

		const different = await owner.api.post('/users', { ...body, name: 'Twice' }, key);
		expect(different.status).toBe(422);
		expect(different.body.error.code).toBe('IDEMPOTENCY_KEY_REUSED');
		const otherPath = await owner.api.patch(`/users/${first.body.data.id}`, body, key);
		expect(otherPath.status).toBe(422);

		// a refused write is replayed as refused, too (and not run again)
		const badKey = { 'idempotency-key': 'outbox-0002-bad-role' };
		const refused = await owner.api.post('/users', { ...body, email: 'other@example.com', role: 'emperor' }, badKey);
		expect(refused.status).toBe(422);
		expect(
			(await owner.api.post('/users', { ...body, email: 'other@example.com', role: 'emperor' }, badKey)).body
		).toEqual(refused.body);

		const malformed = await owner.api.post('/users', body, { 'idempotency-key': 'x' });
		expect(malformed.status).toBe(400);
		expect(malformed.body.error.details).toEqual([{ field: 'Idempotency-Key', message: 'Invalid format' }]);

		// keys belong to their user: another user's identical key runs its own request
		const created = await owner.api.post('/users', {
			email: 'keyed@example.com',
			name: 'Keyed',
			password: 'a long password 1',
			role: 'admin'
		});
		const login = await apiClient(app.url).post('/auth/login', {
			email: 'keyed@example.com',
			password: 'a long password 1'
		});
		const other = apiClient(app.url, login.body.data.token);
		expect(created.status).toBe(201);
		const theirs = await other.post('/users', { ...body, email: 'theirs@example.com' }, key);
		expect(theirs.status).toBe(201);
		expect(theirs.body.data.email).toBe('theirs@example.com');
	});

	it('runs a write once when the same key arrives twice at the same time', async () => {
		const body = { email: 'racing@example.com', name: 'Racing', password: 'a long password 1', role: 'viewer' };
		const key = { 'idempotency-key': 'outbox-0003-racing' };
		const responses = await Promise.all([owner.api.post('/users', body, key), owner.api.post('/users', body, key)]);
		// the second waits for nothing: it is told to retry (409) or, if the first is done, replayed
		for (const response of responses) expect([201, 409]).toContain(response.status);
		expect(responses.some((r) => r.status === 201)).toBe(true);
		const conflict = responses.find((r) => r.status === 409);
		if (conflict) {
			expect(conflict.body.error.code).toBe('IDEMPOTENCY_IN_PROGRESS');
			expect(conflict.headers.get('retry-after')).toBe('1');
		}
		const retried = await owner.api.post('/users', body, key);
		expect(retried.status).toBe(201);
		expect(retried.headers.get('idempotent-replayed')).toBe('true');
		expect((await owner.api.get('/users?q=racing')).body.data.pagination.total_items).toBe(1);
	});

	it('sets security headers: a strict CSP on pages, frame-ancestors none, no HSTS over http', async () => {
		const page = await fetch(`${app.url}/login`);
		expect(page.status).toBe(200);
		const csp = page.headers.get('content-security-policy') ?? '';
		expect(csp).toMatch(/frame-ancestors 'none'/);
		expect(csp).toMatch(/default-src 'self'/);
		expect(csp).toMatch(/script-src 'self' 'nonce-[^']+'/);
		expect(csp).toMatch(/object-src 'none'/);
		expect(csp).not.toMatch(/unsafe-eval/);
		expect(page.headers.get('referrer-policy')).toBe('strict-origin-when-cross-origin');
		expect(page.headers.get('x-content-type-options')).toBe('nosniff');
		expect(page.headers.get('x-frame-options')).toBe('DENY');
		expect(page.headers.get('strict-transport-security')).toBeNull();

		const api = await owner.api.get('/auth/me');
		expect(api.headers.get('content-security-policy')).toBe("default-src 'none'; frame-ancestors 'none'; sandbox");
		expect(api.headers.get('x-content-type-options')).toBe('nosniff');
		expect(api.headers.get('referrer-policy')).toBe('strict-origin-when-cross-origin');
	});

	it('reports health: version and uptime, liveness and readiness of database, queue and sync', async () => {
		const health = await fetch(`${app.url}/health`);
		expect(health.status).toBe(200);
		const body = await health.json();
		expect(body).toMatchObject({
			status: 'ok',
			version: expect.stringMatching(/^\d+\.\d+\.\d+/),
			role: 'embedded',
			database: backend === 'postgres' ? 'postgres' : 'pglite',
			queue: 'inprocess'
		});
		expect(body.uptime_seconds).toBeGreaterThanOrEqual(0);
		expect((await fetch(`${app.url}/health/live`)).status).toBe(200);
		const ready = await fetch(`${app.url}/health/ready`);
		expect(ready.status).toBe(200);
		const readiness = await ready.json();
		expect(readiness).toMatchObject({
			status: 'ready',
			failed: [],
			checks: { database: { ok: true }, queue: { ok: true }, sync: { ok: true } }
		});
	});

	it('serves Prometheus metrics: requests by route, latency, live connections and jobs', async () => {
		for (let i = 0; i < 3; i++) await owner.api.get('/auth/me');
		const response = await fetch(`${app.url}/metrics`);
		expect(response.status).toBe(200);
		expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
		const text = await response.text();
		const counter = /^http_requests_total\{method="GET",route="\/api\/v1\/auth\/me",status="200"\} (\d+)$/m.exec(text);
		expect(counter, text.slice(0, 2000)).not.toBeNull();
		expect(Number(counter?.[1])).toBeGreaterThanOrEqual(3);
		expect(text).toMatch(/^http_requests_total\{method="GET",route="unmatched",status="404"\} \d+$/m);
		expect(text).toMatch(
			/^http_request_duration_seconds_bucket\{le="0\.1",method="GET",route="\/api\/v1\/auth\/me"\} \d+$/m
		);
		expect(text).toMatch(/^# TYPE collab_connections gauge$/m);
		expect(text).toMatch(/^collab_connections \d+$/m);
		expect(text).toMatch(/^collab_documents_loaded \d+$/m);
		expect(text).toMatch(/^event_streams_open \d+$/m);
		// the welcome e-mails queued by the users created above
		expect(text).toMatch(/^jobs_current\{status="(completed|queued|running)"\} [1-9]\d*$/m);
		expect(text).toMatch(/^process_resident_memory_bytes \d+/m);
	});

	it('logs one JSON line per request with its request id, and echoes the id', async () => {
		const mine = await owner.api.get('/auth/me', { 'x-request-id': 'trace-abc-123' });
		expect(mine.headers.get('x-request-id')).toBe('trace-abc-123');
		const generated = await owner.api.get('/auth/me');
		const id = generated.headers.get('x-request-id') ?? '';
		expect(id).toMatch(/^[0-9a-f-]{36}$/);
		const refused = await owner.api.get('/auth/me', { 'x-request-id': 'bad id with spaces' });
		expect(refused.headers.get('x-request-id')).not.toBe('bad id with spaces');

		const lines = await waitFor(() => {
			const found = app.jsonLogs().filter((l) => l.msg === 'request' && [id, 'trace-abc-123'].includes(l.requestId));
			return found.length >= 2 ? found : null;
		});
		expect(lines.filter((l) => l.requestId === id)).toHaveLength(1);
		expect(lines.find((l) => l.requestId === id)).toMatchObject({
			level: 30,
			method: 'GET',
			path: '/api/v1/auth/me',
			route: '/api/v1/auth/me',
			status: 200,
			userId: owner.user.id,
			ms: expect.any(Number),
			time: expect.any(String)
		});
		// and nothing secret in any line
		expect(app.logs.join('\n')).not.toContain(owner.token);
		expect(app.logs.join('\n')).not.toContain(owner.password);
	});
});

describe('behind https (ORIGIN=https://…), with METRICS_TOKEN and a low rate limit', () => {
	let app: RunningProcess;
	const METRICS_TOKEN = 'scrape-me-0123456789abcdef';

	beforeAll(async () => {
		app = await startProcess({
			env: { ORIGIN: 'https://hire.example.test', METRICS_TOKEN, RATE_LIMIT_PER_MINUTE: '60' }
		});
	});

	afterAll(async () => {
		await app?.stop();
	});

	it('sends HSTS and Secure cookies', async () => {
		const register = await apiClient(app.url).post('/auth/register', {
			email: 'secure@example.com',
			name: 'Secure',
			password: 'a long password 1'
		});
		expect(register.status).toBe(201);
		const cookie = register.headers.get('set-cookie') ?? '';
		expect(cookie).toMatch(/; Secure/i);
		expect(cookie).toMatch(/; HttpOnly/i);
		expect(cookie).toMatch(/; SameSite=Lax/i);
		expect(register.headers.get('strict-transport-security')).toBe('max-age=31536000; includeSubDomains');
		const page = await fetch(`${app.url}/login`);
		expect(page.headers.get('strict-transport-security')).toBe('max-age=31536000; includeSubDomains');
	});

	it('limits API requests per signed-in user (burst of 15 at 60/min), answering 429 with Retry-After', async () => {
		const login = await apiClient(app.url).post('/auth/login', {
			email: 'secure@example.com',
			password: 'a long password 1'
		});
		const api = apiClient(app.url, login.body.data.token);
		const statuses: number[] = [];
		let refused: Awaited<ReturnType<typeof api.get>> | undefined;
		const started = Date.now();
		for (let i = 0; i < 20; i++) {
			const response = await api.get('/auth/me');
			statuses.push(response.status);
			if (response.status === 429) refused ??= response;
		}
		// the burst, plus one more per second the loop took (the bucket refills at 1/s)
		const allowed = statuses.filter((s) => s === 200).length;
		expect(allowed).toBeGreaterThanOrEqual(15);
		expect(allowed).toBeLessThanOrEqual(15 + Math.ceil((Date.now() - started) / 1000));
		expect(statuses.filter((s) => s !== 200 && s !== 429)).toEqual([]);
		expect(refused?.headers.get('retry-after')).toBe('1');
		expect(refused?.body).toMatchObject({ success: false, error: { code: 'TOO_MANY_REQUESTS' } });
		// another client has its own budget; pages and operations are not limited
		expect((await apiClient(app.url).get('/auth/me')).status).toBe(401);
		expect((await fetch(`${app.url}/health/live`)).status).toBe(200);
	});

	it('guards /metrics with the token', async () => {
		expect((await fetch(`${app.url}/metrics`)).status).toBe(401);
		expect(
			(await fetch(`${app.url}/metrics`, { headers: { authorization: 'Bearer wrong-token-0123456789' } })).status
		).toBe(401);
		const allowed = await fetch(`${app.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
		expect(allowed.status).toBe(200);
		expect(await allowed.text()).toMatch(/^http_requests_total/m);
	});
});

describe.runIf(TEST_DATABASE_URL)('readiness when the database goes away (postgres)', () => {
	let app: RunningProcess;
	let database: TestDatabase;

	beforeAll(async () => {
		database = await createTestDatabase('postgres');
		app = await startProcess({ env: { DATABASE_URL: database.url as string } });
	});

	afterAll(async () => {
		await app?.stop();
		await database?.close();
	});

	it('answers 503 naming the database, while /health/live stays up', async () => {
		expect((await fetch(`${app.url}/health/ready`)).status).toBe(200);
		const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
		await admin.connect();
		try {
			const name = new URL(database.url as string).pathname.slice(1);
			await admin.query(`drop database ${name} with (force)`);
		} finally {
			await admin.end();
		}
		const ready = await fetch(`${app.url}/health/ready`);
		expect(ready.status).toBe(503);
		const body = await ready.json();
		expect(body).toMatchObject({ status: 'not_ready', checks: { database: { ok: false }, sync: { ok: true } } });
		// the in-process queue keeps its jobs in that database, so it is down with it
		expect(body.failed).toEqual(['database', 'queue']);
		expect(body.checks.database.detail).toMatch(/does not exist|terminat|connect/i);
		expect((await fetch(`${app.url}/health/live`)).status).toBe(200);
		// an API request that needs the database is a 500 envelope, not a hang or a crash
		const me = await apiClient(app.url, 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa').get('/auth/me');
		expect(me.status).toBe(500);
		expect(me.body).toMatchObject({ success: false, error: { code: 'INTERNAL_ERROR' } });
	});
});
