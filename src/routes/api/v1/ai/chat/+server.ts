import { chatInput } from '$lib/schemas/ai';
import { answerChat, assertCanChat, type ChatEvent } from '$lib/server/ai/assistant/service';
import { endpoint, requireUser } from '$lib/server/http/endpoint';
import { readJson } from '$lib/server/http/input';
import { toApiShape } from '$lib/server/http/serialize';

/**
 * The assistant: the conversation in, the answer out as server-sent events — `text` chunks as
 * they come (`tool` while it looks something up, `reset` if Gemini broke off and the heuristic
 * answers instead), then `done` with `source`, the records used (type, id, label, href) and the
 * token usage. Refusals and bad input are answered before the stream, as JSON errors.
 */
export const POST = endpoint(async (event, { rt, actor }) => {
	requireUser(event);
	assertCanChat(actor);
	const input = await readJson(event, chatInput);
	const abort = new AbortController();
	event.request.signal.addEventListener('abort', () => abort.abort(), { once: true });
	const events = answerChat(rt, actor, input, abort.signal);
	const encoder = new TextEncoder();
	const frame = (e: ChatEvent) => {
		const { type, ...data } = e;
		return encoder.encode(`event: ${type}\ndata: ${JSON.stringify(toApiShape(data))}\n\n`);
	};
	const stream = new ReadableStream<Uint8Array>({
		async pull(controller) {
			try {
				const next = await events.next();
				if (next.done) controller.close();
				else controller.enqueue(frame(next.value));
			} catch (err) {
				if (abort.signal.aborted) return;
				rt.logger.error({ err, requestId: event.locals.requestId }, 'assistant answer failed');
				controller.enqueue(
					encoder.encode(`event: error\ndata: ${JSON.stringify({ message: 'The assistant could not answer' })}\n\n`)
				);
				controller.close();
			}
		},
		async cancel() {
			abort.abort();
			await events.return(undefined);
		}
	});
	return new Response(stream, {
		headers: {
			'content-type': 'text/event-stream; charset=utf-8',
			'cache-control': 'no-cache, no-transform',
			'x-accel-buffering': 'no'
		}
	});
});
