/** A field-level problem with the input, as the API reports it. */
export interface FieldIssue {
	field: string;
	message: string;
}

/**
 * An expected failure with its HTTP status and machine-readable code. Everything else that is
 * thrown is unexpected: logged with the request id and answered with a safe 500.
 */
export class AppError extends Error {
	constructor(
		readonly status: number,
		readonly code: string,
		message: string,
		readonly details?: FieldIssue[],
		/** Extra data for the client (for example the current record on a version conflict). */
		readonly data?: unknown,
		readonly headers?: Record<string, string>
	) {
		super(message);
		this.name = new.target.name;
	}
}

export class BadRequest extends AppError {
	constructor(message = 'The request is malformed', code = 'BAD_REQUEST', details?: FieldIssue[]) {
		super(400, code, message, details);
	}
}

export class ValidationFailed extends AppError {
	constructor(details: FieldIssue[], message = 'Invalid request data') {
		super(422, 'VALIDATION_ERROR', message, details);
	}
}

export class Unauthorized extends AppError {
	constructor(message = 'Authentication required') {
		super(401, 'UNAUTHORIZED', message);
	}
}

export class Forbidden extends AppError {
	constructor(message = 'You are not allowed to do this') {
		super(403, 'FORBIDDEN', message);
	}
}

export class NotFound extends AppError {
	constructor(what = 'Resource') {
		super(404, 'NOT_FOUND', `${what} not found`);
	}
}

export class Conflict extends AppError {
	constructor(message: string, code = 'CONFLICT', data?: unknown, details?: FieldIssue[]) {
		super(409, code, message, details, data);
	}
}

export class PayloadTooLarge extends AppError {
	constructor(limitBytes: number) {
		super(413, 'PAYLOAD_TOO_LARGE', `The request body is larger than ${Math.round(limitBytes / 1024)} KB`);
	}
}

export class UnsupportedMediaType extends AppError {
	constructor(message: string) {
		super(415, 'UNSUPPORTED_MEDIA_TYPE', message);
	}
}

export class TooManyRequests extends AppError {
	constructor(message: string, retryAfterSeconds: number) {
		super(
			429,
			'TOO_MANY_REQUESTS',
			message,
			undefined,
			{ retry_after: retryAfterSeconds },
			{
				'retry-after': String(Math.max(1, Math.ceil(retryAfterSeconds)))
			}
		);
	}
}
