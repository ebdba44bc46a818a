import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { AppError, TooManyRequests } from '../../src/lib/server/errors';
import { errorBody, errorResponse, ok, paginated, paginatedShared } from '../../src/lib/server/http/envelope';
import { fieldIssues, JSON_BODY_LIMIT, readJson, readQuery, uuidParam } from '../../src/lib/server/http/input';
import { RateLimiter } from '../../src/lib/server/http/rate-limit';
import { opaque, toApiShape } from '../../src/lib/server/http/serialize';
import { updateUserInput, createUserInput, loginInput } from '../../src/lib/schemas/users';

describe('toApiShape', () => {
	it('renames keys to snake_case, deeply, and writes dates as ISO strings', () => {
		const when = new Date('2026-01-02T03:04:05.678Z');
		expect(
			toApiShape({ userId: 'u1', createdAt: when, nested: { lastLoginAt: null, itemsList: [{ isActive: true }] } })
		).toEqual({
			user_id: 'u1',
			created_at: '2026-01-02T03:04:05.678Z',
			nested: { last_login_at: null, items_list: [{ is_active: true }] }
		});
	});

	it('keeps snake_case keys and scalars as they are', () => {
		expect(toApiShape({ page_size: 20, total: 3, name: 'Ada' })).toEqual({ page_size: 20, total: 3, name: 'Ada' });
		expect(toApiShape('text')).toBe('text');
		expect(toApiShape(42)).toBe(42);
		expect(toApiShape(false)).toBe(false);
	});

	it('turns undefined into null at the top and drops undefined fields and binary', () => {
		expect(toApiShape(undefined)).toBeNull();
		expect(toApiShape({ a: undefined, state: new Uint8Array([1, 2]), b: 1 })).toEqual({ b: 1 });
		expect(JSON.parse(JSON.stringify(toApiShape([new Uint8Array([1]), 2])))).toEqual([null, 2]);
	});

	it('leaves the keys of opaque data alone but still makes it JSON-safe', () => {
		const when = new Date('2026-01-02T00:00:00.000Z');
		expect(
			toApiShape({ emailPreferences: opaque({ interviewReminder: true, fooBar: { atTime: when } }), userId: 'x' })
		).toEqual({ email_preferences: { interviewReminder: true, fooBar: { atTime: when.toISOString() } }, user_id: 'x' });
		expect(toApiShape(opaque(null))).toBeNull();
	});
});

describe('envelopes', () => {
	it('wraps data as { success, data, message?, timestamp }', async () => {
		const response = ok({ userId: 'u1' }, { message: 'Done', status: 201 });
		expect(response.status).toBe(201);
		const body = await response.json();
		expect(Object.keys(body)).toEqual(['success', 'data', 'message', 'timestamp']);
		expect(body).toMatchObject({ success: true, data: { user_id: 'u1' }, message: 'Done' });
		expect(new Date(body.timestamp).toISOString()).toBe(body.timestamp);
		expect(Object.keys(await ok(null).json())).toEqual(['success', 'data', 'timestamp']);
	});

	it('paginates as { items, pagination: { page, page_size, total_items, total_pages } }', async () => {
		const body = await paginated({ items: [{ aB: 1 }], total: 41, page: 2, pageSize: 20 }).json();
		expect(body.data).toEqual({
			items: [{ a_b: 1 }],
			pagination: { page: 2, page_size: 20, total_items: 41, total_pages: 3 }
		});
		const empty = await paginated({ items: [], total: 0, page: 1, pageSize: 20 }).json();
		expect(empty.data.pagination).toEqual({ page: 1, page_size: 20, total_items: 0, total_pages: 1 });
	});

	it('answers a shared (cached) page exactly as paginated does, each time with a fresh timestamp', async () => {
		const page = {
			items: [{ aB: 1, createdAt: new Date('2026-01-02T03:04:05.678Z'), tags: ['x'], rank: 0.5, none: null }],
			total: 41,
			page: 2,
			pageSize: 20
		};
		const strip = (text: string) => text.replace(/"timestamp":"[^"]+"/, '"timestamp":"T"');
		const expected = await paginated(page).text();
		for (let i = 0; i < 2; i++) {
			const res = paginatedShared(page);
			expect(res.status).toBe(200);
			expect(res.headers.get('content-type')).toBe('application/json');
			const text = await res.text();
			expect(Number(res.headers.get('content-length'))).toBe(new TextEncoder().encode(text).byteLength);
			expect(strip(text)).toBe(strip(expected));
			const body = JSON.parse(text);
			expect(new Date(body.timestamp).toISOString()).toBe(body.timestamp);
		}
		// Non-ASCII text: the length is in bytes.
		const named = paginatedShared({ items: [{ name: 'Zoë Müller' }], total: 1, page: 1, pageSize: 20 });
		expect(Number(named.headers.get('content-length'))).toBe(new TextEncoder().encode(await named.text()).byteLength);
	});

	it('writes errors as { success: false, error: { code, message, details? }, timestamp }', async () => {
		expect(errorBody('NOT_FOUND', 'User not found')).toEqual({
			success: false,
			error: { code: 'NOT_FOUND', message: 'User not found' },
			timestamp: expect.any(String)
		});
		const withDetails = errorBody('VALIDATION_ERROR', 'Invalid', [{ field: 'email', message: 'Required' }], {
			requestId: 'r1'
		});
		expect(withDetails.error).toEqual({
			code: 'VALIDATION_ERROR',
			message: 'Invalid',
			details: [{ field: 'email', message: 'Required' }],
			request_id: 'r1'
		});
		// an empty details list is left out rather than sent as []
		expect('details' in errorBody('X', 'y', []).error).toBe(false);
	});

	it('answers an AppError with its status, headers and envelope', async () => {
		const response = errorResponse(new TooManyRequests('Slow down', 12.2), 'req-1');
		expect(response.status).toBe(429);
		expect(response.headers.get('retry-after')).toBe('13');
		expect(await response.json()).toMatchObject({
			success: false,
			error: { code: 'TOO_MANY_REQUESTS', message: 'Slow down', data: { retry_after: 12.2 }, request_id: 'req-1' }
		});
		const plain = errorResponse(new AppError(409, 'STALE', 'Changed', undefined, { currentVersion: 3 }));
		expect((await plain.json()).error.data).toEqual({ current_version: 3 });
	});
});

function jsonRequest(body: BodyInit | null, headers: Record<string, string> = { 'content-type': 'application/json' }) {
	return {
		request: new Request('http://x.test/api/v1/x', { method: 'POST', body, headers, duplex: 'half' } as RequestInit)
	};
}

describe('readJson', () => {
	const schema = z.object({ name: z.string().min(1), age: z.number().int().optional() });

	async function rejection(promise: Promise<unknown>): Promise<AppError> {
		try {
			await promise;
		} catch (err) {
			expect(err).toBeInstanceOf(AppError);
			return err as AppError;
		}
		throw new Error('expected a rejection');
	}

	it('parses and validates a JSON body', async () => {
		expect(await readJson(jsonRequest('{"name":"Ada","age":36}'), schema)).toEqual({ name: 'Ada', age: 36 });
		expect(
			await readJson(
				jsonRequest('{"name":"Ada"}', { 'content-type': 'application/merge-patch+json; charset=utf-8' }),
				schema
			)
		).toEqual({ name: 'Ada' });
	});

	it('malformed JSON → 400 INVALID_JSON', async () => {
		const error = await rejection(readJson(jsonRequest('{"name":'), schema));
		expect([error.status, error.code]).toEqual([400, 'INVALID_JSON']);
	});

	it('wrong types → 422 with one detail per field', async () => {
		const error = await rejection(readJson(jsonRequest('{"name":5,"age":"old"}'), schema));
		expect(error.status).toBe(422);
		expect(error.code).toBe('VALIDATION_ERROR');
		expect(error.details?.map((d) => d.field).sort()).toEqual(['age', 'name']);
		for (const detail of error.details ?? []) expect(detail.message).toEqual(expect.any(String));
	});

	it('a body that is not an object → 422 on the whole body', async () => {
		for (const body of ['[]', '"text"', 'null', '7']) {
			const error = await rejection(readJson(jsonRequest(body), schema));
			expect(error.status).toBe(422);
			expect(error.details?.[0].field).toBe('_');
		}
	});

	it('a body over 1 MB → 413, whether declared or streamed', async () => {
		const big = JSON.stringify({ name: 'x'.repeat(JSON_BODY_LIMIT) });
		const declared = await rejection(
			readJson(jsonRequest(big, { 'content-type': 'application/json', 'content-length': String(big.length) }), schema)
		);
		expect(declared.status).toBe(413);
		const stream = new ReadableStream<Uint8Array>({
			start(controller) {
				const chunk = new TextEncoder().encode('x'.repeat(64 * 1024));
				for (let i = 0; i < 20; i++) controller.enqueue(chunk);
				controller.close();
			}
		});
		const streamed = await rejection(readJson(jsonRequest(stream), schema));
		expect([streamed.status, streamed.code]).toEqual([413, 'PAYLOAD_TOO_LARGE']);
	});

	it('a body that is not JSON → 415', async () => {
		const error = await rejection(readJson(jsonRequest('name=Ada', { 'content-type': 'text/plain' }), schema));
		expect(error.status).toBe(415);
	});

	it('an empty body is validated as {}', async () => {
		const error = await rejection(readJson(jsonRequest(''), schema));
		expect(error.status).toBe(422);
		expect(error.details?.[0].field).toBe('name');
		const lenient = z.object({ note: z.string().optional() });
		expect(await readJson(jsonRequest(null, {}), lenient)).toEqual({});
	});
});

describe('readQuery and ids', () => {
	it('validates query strings, repeated keys becoming arrays', () => {
		const schema = z.object({ page: z.coerce.number().int().min(1), tag: z.array(z.string()).optional() });
		expect(readQuery(new URL('http://x/?page=2&tag=a&tag=b'), schema)).toEqual({ page: 2, tag: ['a', 'b'] });
		expect(() => readQuery(new URL('http://x/?page=0'), schema)).toThrow(AppError);
	});

	it('accepts only UUIDs as ids', () => {
		expect(uuidParam.safeParse('0b3c6f6e-5a57-4c1e-9d55-2b9a2f0e4c11').success).toBe(true);
		for (const bad of ['1', 'abc', "1' or '1'='1", '0b3c6f6e5a574c1e9d552b9a2f0e4c11x']) {
			expect(uuidParam.safeParse(bad).success).toBe(false);
		}
	});

	it('reports nested fields with dotted paths', () => {
		const result = z.object({ a: z.object({ b: z.number() }) }).safeParse({ a: { b: 'x' } });
		expect(result.success).toBe(false);
		if (!result.success) expect(fieldIssues(result.error)).toEqual([{ field: 'a.b', message: expect.any(String) }]);
	});
});

describe('input schemas', () => {
	it('refuses passwords under 12 characters with a field message', () => {
		const result = createUserInput.safeParse({ email: 'a@b.co', name: 'A', password: 'elevenchars', role: 'viewer' });
		expect(result.success).toBe(false);
		if (!result.success) {
			expect(fieldIssues(result.error)).toEqual([
				{ field: 'password', message: 'Password must be at least 12 characters' }
			]);
		}
		expect(
			createUserInput.safeParse({ email: 'a@b.co', name: 'A', password: 'twelve chars', role: 'viewer' }).success
		).toBe(true);
	});

	it('normalises e-mails (trimmed, lower case)', () => {
		expect(loginInput.parse({ email: '  Ada@Example.COM ', password: 'x' }).email).toBe('ada@example.com');
	});

	it('refuses an unknown role and an empty or unknown change', () => {
		expect(
			createUserInput.safeParse({ email: 'a@b.co', name: 'A', password: 'long enough pw', role: 'god' }).success
		).toBe(false);
		expect(updateUserInput.safeParse({}).success).toBe(false);
		expect(updateUserInput.safeParse({ version: 2 }).success).toBe(false);
		expect(updateUserInput.safeParse({ email: 'new@b.co' }).success).toBe(false);
		expect(updateUserInput.safeParse({ role: 'admin', version: 2 }).success).toBe(true);
	});
});

describe('RateLimiter', () => {
	it('allows a burst, then refuses with the seconds to wait, then refills over time', () => {
		const limiter = new RateLimiter(60, 3);
		const t0 = 1_000_000;
		expect([1, 2, 3].map(() => limiter.take('a', t0).allowed)).toEqual([true, true, true]);
		const refused = limiter.take('a', t0);
		expect(refused).toEqual({ allowed: false, retryAfterSeconds: 1 });
		// another client has its own bucket
		expect(limiter.take('b', t0).allowed).toBe(true);
		// one token per second at 60/min
		expect(limiter.take('a', t0 + 500).allowed).toBe(false);
		expect(limiter.take('a', t0 + 1000).allowed).toBe(true);
		expect(limiter.take('a', t0 + 1000).allowed).toBe(false);
		// the bucket never holds more than the burst
		const later = t0 + 3_600_000;
		expect([1, 2, 3, 4].map(() => limiter.take('a', later).allowed)).toEqual([true, true, true, false]);
	});

	it('waits longer at lower rates', () => {
		const limiter = new RateLimiter(6, 1);
		expect(limiter.take('a', 0).allowed).toBe(true);
		expect(limiter.take('a', 0)).toEqual({ allowed: false, retryAfterSeconds: 10 });
	});

	it('is off at 0 per minute', () => {
		const limiter = new RateLimiter(0);
		for (let i = 0; i < 1000; i++) expect(limiter.take('a', 0).allowed).toBe(true);
	});

	it('forgets idle clients', () => {
		const limiter = new RateLimiter(60, 1);
		limiter.take('idle', 0);
		limiter.take('other', 10 * 60_000);
		const buckets = (limiter as unknown as { buckets: Map<string, unknown> }).buckets;
		expect(buckets.has('idle')).toBe(false);
		expect(buckets.has('other')).toBe(true);
	});
});
