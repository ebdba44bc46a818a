import type { RequestEvent } from '@sveltejs/kit';
import { z } from 'zod';
import { BadRequest, PayloadTooLarge, UnsupportedMediaType, ValidationFailed, type FieldIssue } from '../errors';

export const JSON_BODY_LIMIT = 1024 * 1024;

/** Converts zod issues to the API's `details` list. */
export function fieldIssues(error: z.ZodError): FieldIssue[] {
	return error.issues.map((issue) => ({
		field: issue.path.length ? issue.path.map(String).join('.') : '_',
		message: issue.message
	}));
}

/** Field errors keyed by field, for form actions. `_` holds an error about the whole form. */
export function formErrors(error: z.ZodError | string): Record<string, string> {
	if (typeof error === 'string') return { _: error };
	return Object.fromEntries(fieldIssues(error).map((i) => [i.field, i.message]));
}

/** Validates `value` with `schema`, or throws 422 with field details. */
export function validate<S extends z.ZodType>(schema: S, value: unknown): z.infer<S> {
	const result = schema.safeParse(value);
	if (!result.success) throw new ValidationFailed(fieldIssues(result.error));
	return result.data;
}

/**
 * Reads a JSON body (≤ 1 MB) and validates it. Wrong content type → 415, too big → 413,
 * malformed JSON → 400, invalid fields → 422. Never a 500 for bad input.
 */
export async function readJson<S extends z.ZodType>(
	event: Pick<RequestEvent, 'request'>,
	schema: S
): Promise<z.infer<S>> {
	const { request } = event;
	const type = request.headers.get('content-type') ?? '';
	const declared = Number(request.headers.get('content-length') ?? '0');
	if (declared > JSON_BODY_LIMIT) {
		await discardBody(request);
		throw new PayloadTooLarge(JSON_BODY_LIMIT);
	}
	if (!request.body) return validate(schema, {});
	if (!/^application\/([\w.+-]+\+)?json\b/i.test(type)) {
		await discardBody(request);
		throw new UnsupportedMediaType('Send the body as JSON (Content-Type: application/json)');
	}
	const text = await readLimitedText(request, JSON_BODY_LIMIT);
	if (text.trim() === '') return validate(schema, {});
	let parsed: unknown;
	try {
		parsed = JSON.parse(text);
	} catch (err) {
		throw new BadRequest(`Malformed JSON: ${(err as Error).message}`, 'INVALID_JSON');
	}
	return validate(schema, parsed);
}

/**
 * Reads the body, keeping at most `limit` bytes. Past the limit it goes on reading and discarding
 * (adapter-node stops at BODY_SIZE_LIMIT): an answer sent while the client is still sending
 * would leave the keep-alive connection stuck, or reset it before the client reads the 413.
 */
async function readLimitedText(request: Request, limit: number): Promise<string> {
	const reader = (request.body as ReadableStream<Uint8Array>).getReader();
	const chunks: Uint8Array[] = [];
	let size = 0;
	for (;;) {
		let chunk: ReadableStreamReadResult<Uint8Array>;
		try {
			chunk = await reader.read();
		} catch (err) {
			// adapter-node errors the stream past BODY_SIZE_LIMIT
			if (size > limit || /limit|large/i.test(String((err as Error).message))) throw new PayloadTooLarge(limit);
			throw new BadRequest('The request body could not be read');
		}
		if (chunk.done) break;
		size += chunk.value.byteLength;
		if (size <= limit) chunks.push(chunk.value);
		else chunks.length = 0;
	}
	if (size > limit) throw new PayloadTooLarge(limit);
	return new TextDecoder().decode(Buffer.concat(chunks));
}

/** Reads a body to its end without keeping it (see readLimitedText). */
async function discardBody(request: Request): Promise<void> {
	if (!request.body || request.bodyUsed) return;
	try {
		const reader = request.body.getReader();
		for (;;) if ((await reader.read()).done) break;
	} catch {
		// the stream was cut (past BODY_SIZE_LIMIT, or the client went away)
	}
}

/** Validates the query string (repeated keys become arrays) with `schema`. */
export function readQuery<S extends z.ZodType>(url: URL, schema: S): z.infer<S> {
	const raw: Record<string, string | string[]> = {};
	for (const key of new Set(url.searchParams.keys())) {
		const all = url.searchParams.getAll(key);
		raw[key] = all.length > 1 ? all : all[0];
	}
	return validate(schema, raw);
}

/** Validates a route parameter that must be a UUID (404 rather than a database error otherwise). */
export const uuidParam = z.string().uuid();

export const paginationQuery = z.object({
	page: z.coerce.number().int().min(1).max(100_000).default(1),
	page_size: z.coerce.number().int().min(1).max(100).default(20)
});

/** Reads a multipart/form-data body (file uploads); anything else → 415, unreadable → 400. */
export async function readMultipart(event: Pick<RequestEvent, 'request'>): Promise<FormData> {
	const type = event.request.headers.get('content-type') ?? '';
	if (!/^multipart\/form-data/i.test(type)) {
		throw new UnsupportedMediaType('Send the file as multipart/form-data (a form with a file field)');
	}
	try {
		return await event.request.formData();
	} catch {
		throw new BadRequest('The uploaded form could not be read', 'INVALID_MULTIPART');
	}
}
