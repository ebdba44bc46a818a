import { json } from '@sveltejs/kit';
import { AppError, type FieldIssue } from '../errors';
import { toApiShape } from './serialize';

export interface Pagination {
	page: number;
	page_size: number;
	total_items: number;
	total_pages: number;
}

export interface Page<T> {
	items: T[];
	total: number;
	page: number;
	pageSize: number;
}

/** The success envelope of the public API. */
export function ok(data: unknown, init: { status?: number; message?: string; headers?: HeadersInit } = {}) {
	const body: Record<string, unknown> = { success: true, data: toApiShape(data) };
	if (init.message) body.message = init.message;
	body.timestamp = new Date().toISOString();
	return json(body, { status: init.status ?? 200, headers: init.headers });
}

export function created(data: unknown, message?: string) {
	return ok(data, { status: 201, message });
}

function paginationOf(page: Page<unknown>): Pagination {
	return {
		page: page.page,
		page_size: page.pageSize,
		total_items: page.total,
		total_pages: Math.max(1, Math.ceil(page.total / page.pageSize))
	};
}

/** A list answer: `data: { items, pagination }`. */
export function paginated<T>(page: Page<T>, mapItem: (item: T) => unknown = (item) => item) {
	return ok({ items: page.items.map(mapItem), pagination: paginationOf(page) });
}

/** The JSON of `data` of pages answered more than once (see {@link paginatedShared}). */
const sharedPageData = new WeakMap<Page<unknown>, string>();
const encoder = new TextEncoder();

/**
 * {@link paginated} for a page object that is answered many times — one held by a read-model
 * cache, which never changes a page once stored: its data is shaped and serialised once, on its
 * first answer, and spliced into each envelope after. The body is byte for byte what `paginated`
 * gives (same keys in the same order, a fresh timestamp).
 */
export function paginatedShared<T>(page: Page<T>): Response {
	let data = sharedPageData.get(page);
	if (data === undefined) {
		data = JSON.stringify(toApiShape({ items: page.items, pagination: paginationOf(page) }));
		sharedPageData.set(page, data);
	}
	const bytes = encoder.encode(`{"success":true,"data":${data},"timestamp":"${new Date().toISOString()}"}`);
	return new Response(bytes, {
		status: 200,
		headers: { 'content-type': 'application/json', 'content-length': String(bytes.byteLength) }
	});
}

export interface ErrorBody {
	success: false;
	error: { code: string; message: string; details?: FieldIssue[]; request_id?: string; data?: unknown };
	timestamp: string;
}

/** The error envelope of the public API. */
export function errorBody(
	code: string,
	message: string,
	details?: FieldIssue[],
	extra: { requestId?: string; data?: unknown } = {}
): ErrorBody {
	const error: ErrorBody['error'] = { code, message };
	if (details?.length) error.details = details;
	if (extra.data !== undefined) error.data = toApiShape(extra.data);
	if (extra.requestId) error.request_id = extra.requestId;
	return { success: false, error, timestamp: new Date().toISOString() };
}

export function errorResponse(err: AppError, requestId?: string): Response {
	return json(errorBody(err.code, err.message, err.details, { requestId, data: err.data }), {
		status: err.status,
		headers: err.headers
	});
}
