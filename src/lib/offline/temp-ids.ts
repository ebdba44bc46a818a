/**
 * Temporary ids of records created offline (`tmp-<uuid>`) and how a request that names one is
 * rewritten once the server has created the record. Pure functions: the outbox in the browser
 * and the batched replay endpoint on the server apply the very same rewrite, so a write replayed
 * in a batch and the same write replayed alone carry the same body (and match the stored answer
 * of their Idempotency-Key).
 */

const TEMP_ID = /tmp-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;

const isObject = (value: unknown): value is Record<string, unknown> =>
	!!value && typeof value === 'object' && !Array.isArray(value);

/** The temporary ids a request names in its path or body. */
export function tempIdsIn(path: string, body: unknown): string[] {
	const text = `${path} ${body === undefined ? '' : JSON.stringify(body)}`;
	return [...new Set(text.match(TEMP_ID) ?? [])];
}

/** The id in a path's last `/<collection>/<id>` pair, if the path names one record. */
export function recordIdOfPath(path: string): string | null {
	const segments = path.split('?')[0].split('/').filter(Boolean);
	return segments.length >= 2 && segments.length % 2 === 0 ? segments[segments.length - 1] : null;
}

function replaceAll(value: unknown, from: string, to: string): unknown {
	if (typeof value === 'string') return value.split(from).join(to);
	if (Array.isArray(value)) return value.map((v) => replaceAll(v, from, to));
	if (isObject(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, replaceAll(v, from, to)]));
	return value;
}

/**
 * A request after the create of `from` answered with the record `{ id: to, version }`: the
 * temporary id becomes the real one in its path and body, and a change to that record that was
 * based on the optimistic record (`version: 0`) is based on the version the server created.
 */
export function rewriteTempId(
	request: { path: string; body?: unknown },
	from: string,
	to: string,
	version: number | null
): { path: string; body: unknown; baseVersion: number | null } {
	const own = recordIdOfPath(request.path) === from;
	const path = request.path.split(from).join(to);
	let body = replaceAll(request.body, from, to);
	let baseVersion: number | null = null;
	if (own && version !== null && isObject(body) && body.version === 0) {
		body = { ...body, version };
		baseVersion = version;
	}
	return { path, body, baseVersion };
}
