import { sha256 } from '@oslojs/crypto/sha2';
import { encodeHexLowerCase } from '@oslojs/encoding';
import { and, eq, lt } from 'drizzle-orm';
import type { Executor } from '../db/client';
import type { RequestEvent } from '@sveltejs/kit';
import { json } from '@sveltejs/kit';
import { idempotencyKeys } from '../db/schema';
import type { Runtime } from '../runtime';
import { errorBody } from './envelope';

const KEY_PATTERN = /^[A-Za-z0-9_.:-]{8,200}$/;
/** A first request still "in progress" after this long died with its process. */
const ABANDONED_AFTER_MS = 2 * 60_000;

/**
 * Makes a write safe to replay: the first request with an `Idempotency-Key` runs and its answer
 * is stored; a repeat with the same key returns that answer and changes nothing. The same key
 * with a different body is refused (422); a repeat while the first is still running gets 409.
 */
export async function withIdempotency(
	rt: Runtime,
	event: RequestEvent,
	userId: string,
	key: string,
	resolve: () => Promise<Response>
): Promise<Response> {
	if (!KEY_PATTERN.test(key)) {
		return json(
			errorBody('BAD_REQUEST', 'Idempotency-Key must be 8–200 characters of letters, digits and _ . : -', [
				{ field: 'Idempotency-Key', message: 'Invalid format' }
			]),
			{ status: 400 }
		);
	}
	const body = new Uint8Array(await event.request.clone().arrayBuffer());
	const requestHash = encodeHexLowerCase(sha256(body));
	const method = event.request.method;
	const path = event.url.pathname;

	const [inserted] = await rt.db
		.insert(idempotencyKeys)
		.values({ key, userId, method, path, requestHash })
		.onConflictDoNothing()
		.returning();

	if (!inserted) {
		const [existing] = await rt.db
			.select()
			.from(idempotencyKeys)
			.where(and(eq(idempotencyKeys.userId, userId), eq(idempotencyKeys.key, key)));
		if (!existing) return resolve();
		if (existing.requestHash !== requestHash || existing.method !== method || existing.path !== path) {
			return json(
				errorBody('IDEMPOTENCY_KEY_REUSED', 'This Idempotency-Key was already used for a different request'),
				{ status: 422 }
			);
		}
		if (existing.statusCode === null && Date.now() - existing.createdAt.getTime() > ABANDONED_AFTER_MS) {
			// The first request never finished (the process stopped mid-way): let this one run it.
			await forget(rt, userId, key);
			return withIdempotency(rt, event, userId, key, resolve);
		}
		if (existing.statusCode === null) {
			return json(errorBody('IDEMPOTENCY_IN_PROGRESS', 'The original request is still being processed'), {
				status: 409,
				headers: { 'retry-after': '1' }
			});
		}
		return json(existing.responseBody, {
			status: existing.statusCode,
			headers: { 'idempotent-replayed': 'true' }
		});
	}

	let response: Response;
	try {
		response = await resolve();
	} catch (err) {
		await forget(rt, userId, key);
		throw err;
	}
	const type = response.headers.get('content-type') ?? '';
	if (response.status >= 500 || !type.includes('application/json')) {
		// Nothing reliable to replay: let a retry run the request again.
		await forget(rt, userId, key);
		return response;
	}
	const text = await response.clone().text();
	let stored: unknown = null;
	try {
		stored = JSON.parse(text);
	} catch {
		await forget(rt, userId, key);
		return response;
	}
	await rt.db
		.update(idempotencyKeys)
		.set({ statusCode: response.status, responseBody: stored, completedAt: new Date() })
		.where(and(eq(idempotencyKeys.userId, userId), eq(idempotencyKeys.key, key)));
	return response;
}

async function forget(rt: Runtime, userId: string, key: string) {
	await rt.db.delete(idempotencyKeys).where(and(eq(idempotencyKeys.userId, userId), eq(idempotencyKeys.key, key)));
}

/** Forgets stored answers older than `before` (housekeeping). */
export async function deleteOldIdempotencyKeys(db: Executor, before: Date): Promise<void> {
	await db.delete(idempotencyKeys).where(lt(idempotencyKeys.createdAt, before));
}
