// Keys come from a small, fixed set of column and field names: convert each once. Bounded so
// that keys of unusual data cannot grow it without limit.
const snakeKeys = new Map<string, string>();
function camelToSnake(key: string): string {
	let snake = snakeKeys.get(key);
	if (snake === undefined) {
		snake = key.replace(/[A-Z]/g, (c) => '_' + c.toLowerCase());
		if (snakeKeys.size < 10_000) snakeKeys.set(key, snake);
	}
	return snake;
}

const OPAQUE = Symbol('hiring-hare.opaque');

/** A value whose keys belong to the client (a map of preferences, a job's result): kept as is. */
export interface Opaque {
	readonly [OPAQUE]: unknown;
}

/**
 * Marks free-form data so `toApiShape` leaves its keys alone: renaming `{"fooBar": true}` that a
 * client stored would hand it back a different map than it saved.
 */
export function opaque(value: unknown): Opaque {
	return { [OPAQUE]: value };
}

function isOpaque(value: object): value is Opaque {
	return OPAQUE in value;
}

/** A JSON-safe copy of opaque data: dates as ISO strings, binary dropped, keys untouched. */
function plainJson(value: unknown): unknown {
	if (value === null || value === undefined) return null;
	if (value instanceof Date) return value.toISOString();
	if (value instanceof Uint8Array) return undefined;
	if (Array.isArray(value)) return value.map(plainJson);
	if (typeof value === 'object') {
		const out: Record<string, unknown> = {};
		for (const [key, inner] of Object.entries(value)) {
			if (inner !== undefined) out[key] = plainJson(inner);
		}
		return out;
	}
	return value;
}

/**
 * Turns service results into the API's JSON shape: snake_case keys, ISO dates, no binary.
 * Keys that are already snake_case are left as they are; `opaque()` values are not renamed.
 */
export function toApiShape(value: unknown): unknown {
	if (value === null || value === undefined) return null;
	if (value instanceof Date) return value.toISOString();
	if (Array.isArray(value)) return value.map(toApiShape);
	if (value instanceof Uint8Array) return undefined;
	if (typeof value === 'object') {
		if (isOpaque(value)) return plainJson(value[OPAQUE]);
		const out: Record<string, unknown> = {};
		for (const [key, inner] of Object.entries(value)) {
			if (inner === undefined || inner instanceof Uint8Array) continue;
			out[camelToSnake(key)] = toApiShape(inner);
		}
		return out;
	}
	return value;
}
