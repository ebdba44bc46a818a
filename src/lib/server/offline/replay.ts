import { rewriteTempId } from '../../offline/temp-ids';
import type { ReplayRequestInput } from '../../schemas/offline';

export interface ReplayAnswer {
	key: string;
	status: number;
	/** The endpoint's JSON envelope, as it answered it. */
	body: unknown;
}

const isObject = (value: unknown): value is Record<string, unknown> =>
	!!value && typeof value === 'object' && !Array.isArray(value);

/**
 * Runs an outbox's queued writes in order, each through its own endpoint with its own
 * Idempotency-Key (SvelteKit's server `fetch` handles a same-origin request in process, through
 * the hooks, with the caller's session: the same authentication, permission checks, validation,
 * transaction and audit row as the write sent alone, and the same stored answer on a repeat).
 * Stops after the first answer that is not a success, so that the client settles it (merge,
 * conflict list, retry) before anything after it runs. A create's real id replaces its temporary
 * id in the later requests exactly as the outbox rewrites them (`rewriteTempId`).
 */
export async function replayWrites(fetchFn: typeof fetch, requests: ReplayRequestInput[]): Promise<ReplayAnswer[]> {
	const queue = requests.map((r) => ({ ...r }));
	const answers: ReplayAnswer[] = [];
	for (let i = 0; i < queue.length; i++) {
		const request = queue[i];
		const hasBody = request.method !== 'DELETE' && request.body !== undefined && request.body !== null;
		const response = await fetchFn(`/api/v1${request.path}`, {
			method: request.method,
			headers: {
				'idempotency-key': request.key,
				...(hasBody ? { 'content-type': 'application/json' } : {})
			},
			body: hasBody ? JSON.stringify(request.body) : undefined
		});
		const body: unknown = await response.json().catch(() => null);
		answers.push({ key: request.key, status: response.status, body });
		if (response.status < 200 || response.status >= 300) break;
		const record = isObject(body) && isObject(body.data) ? body.data : null;
		if (request.temp_id && record && typeof record.id === 'string') {
			const version = typeof record.version === 'number' ? record.version : null;
			for (let j = i + 1; j < queue.length; j++) {
				const { path, body: rewritten } = rewriteTempId(queue[j], request.temp_id, record.id, version);
				queue[j] = { ...queue[j], path, body: rewritten };
			}
		}
	}
	return answers;
}
