import { ApiError, type FieldIssue } from '$lib/api/client';

/**
 * Sends a multipart form to the API (the JSON client cannot): the same envelope, the same
 * `ApiError` on refusal, so pages show a 415 or a field error the way they show any other.
 */
export async function postForm<T>(path: string, form: FormData): Promise<T> {
	let response: Response;
	try {
		response = await fetch(`/api/v1${path}`, { method: 'POST', body: form, credentials: 'same-origin' });
	} catch {
		throw new ApiError(0, 'NETWORK_ERROR', 'The server cannot be reached');
	}
	let payload: unknown = null;
	try {
		payload = await response.json();
	} catch {
		// not JSON
	}
	const envelope = payload as
		| { success: true; data: T }
		| { success: false; error: { code: string; message: string; details?: FieldIssue[]; data?: unknown } }
		| null;
	if (response.ok && envelope?.success) return envelope.data;
	if (envelope && !envelope.success) {
		const { code, message, details, data } = envelope.error;
		throw new ApiError(response.status, code, message, details, data);
	}
	if (response.status === 413) throw new ApiError(413, 'PAYLOAD_TOO_LARGE', 'The file is larger than 10 MB');
	throw new ApiError(response.status, 'HTTP_ERROR', `Upload failed (${response.status})`);
}

/** A file the server refuses anyway, named before it is sent (PDF or Word .docx, ≤ 10 MB). */
export function documentProblem(file: File): string | null {
	if (file.size === 0) return 'The file is empty.';
	if (file.size > 10 * 1024 * 1024) return 'The file is larger than 10 MB.';
	if (!/\.(pdf|docx)$/i.test(file.name)) return 'Upload a PDF or a Word (.docx) file.';
	return null;
}
