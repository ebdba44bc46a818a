/**
 * The browser side of the assistant (`POST /api/v1/ai/chat`): sends the conversation and reads
 * the server-sent events of the answer with fetch + ReadableStream as they arrive.
 */

export interface ChatMessage {
	role: 'user' | 'assistant';
	content: string;
}

export interface ChatRecord {
	type: 'candidate' | 'requirement' | 'interview' | 'offer';
	id: string;
	label: string;
	href: string;
}

export interface ChatDone {
	source: 'gemini' | 'heuristic';
	model: string | null;
	fallback_reason: string | null;
	records: ChatRecord[];
}

export interface ChatHandlers {
	onText: (text: string) => void;
	onTool?: (name: string) => void;
	/** Gemini broke off: forget the text so far (the heuristic's answer follows). */
	onReset?: () => void;
	onDone: (done: ChatDone) => void;
}

/** Thrown when the server refuses the question (403, 422…) or the stream breaks. */
export class ChatFailed extends Error {
	constructor(
		message: string,
		readonly status: number
	) {
		super(message);
	}
}

function dispatch(block: string, handlers: ChatHandlers): void {
	let event = 'message';
	const data: string[] = [];
	for (const line of block.split('\n')) {
		if (line.startsWith('event:')) event = line.slice(6).trim();
		else if (line.startsWith('data:')) data.push(line.slice(5).trimStart());
	}
	if (data.length === 0) return;
	const payload: unknown = JSON.parse(data.join('\n'));
	const value = (payload && typeof payload === 'object' ? payload : {}) as Record<string, unknown>;
	if (event === 'text' && typeof value.text === 'string') handlers.onText(value.text);
	else if (event === 'tool' && typeof value.name === 'string') handlers.onTool?.(value.name);
	else if (event === 'reset') handlers.onReset?.();
	else if (event === 'done') handlers.onDone(value as unknown as ChatDone);
	else if (event === 'error') throw new ChatFailed(String(value.message ?? 'The assistant could not answer'), 500);
}

/** Asks the assistant; resolves when the answer is complete. */
export async function askAssistant(messages: ChatMessage[], handlers: ChatHandlers, signal?: AbortSignal) {
	const response = await fetch('/api/v1/ai/chat', {
		method: 'POST',
		headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
		body: JSON.stringify({ messages }),
		signal
	});
	if (!response.ok || !response.body) {
		let message = `The assistant answered ${response.status}`;
		try {
			const body = (await response.json()) as { error?: { message?: string } };
			if (body.error?.message) message = body.error.message;
		} catch {
			// not JSON
		}
		throw new ChatFailed(message, response.status);
	}
	const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
	let buffer = '';
	for (;;) {
		const { value, done } = await reader.read();
		if (done) break;
		buffer += value;
		let index;
		while ((index = buffer.indexOf('\n\n')) >= 0) {
			dispatch(buffer.slice(0, index), handlers);
			buffer = buffer.slice(index + 2);
		}
	}
}
