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

/** A list answer: `data: { items, pagination }`. */
export function paginated<T>(page: Page<T>, mapItem: (item: T) => unknown = (item) => item) {
	const pagination: Pagination = {
		page: page.page,
		page_size: page.pageSize,
		total_items: page.total,
		total_pages: Math.max(1, Math.ceil(page.total / page.pageSize))
	};
	return ok({ items: page.items.map(mapItem), pagination });
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
