import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/**
 * A local HTTP server that speaks the real Gemini REST API as `@google/genai` calls it:
 * `POST /v1beta/models/{model}:generateContent` with the key in `x-goog-api-key`, answering
 * `{candidates: [{content: {parts: [{text}], role: 'model'}, finishReason}], usageMetadata}` or
 * Google's error body `{error: {code, message, status}}`. The app reaches it via GEMINI_BASE_URL.
 * It also speaks `POST /v1beta/models/{model}:streamGenerateContent?alt=sse`: server-sent events
 * `data: {GenerateContentResponse}\r\n\r\n`, one per chunk, the text split over several chunks
 * or a `functionCall` part, usage on the last chunk (as Google sends them).
 */

export interface GeminiRequest {
	model: string;
	apiKey: string | undefined;
	body: {
		contents?: Array<{ role?: string; parts?: Array<GeminiPart> }>;
		systemInstruction?: { parts?: Array<{ text?: string }> };
		generationConfig?: { responseMimeType?: string; responseSchema?: unknown; responseJsonSchema?: unknown };
		tools?: Array<{ functionDeclarations?: Array<{ name: string; description?: string; parameters?: unknown }> }>;
		toolConfig?: { functionCallingConfig?: { mode?: string } };
	};
	/** True for `:streamGenerateContent` (answered as server-sent events). */
	stream: boolean;
	/** The user prompt (all text parts joined). */
	prompt: string;
	at: number;
}

/** One part of a content turn as the REST API spells it. */
export interface GeminiPart {
	text?: string;
	functionCall?: { name: string; args?: Record<string, unknown>; id?: string };
	functionResponse?: { name: string; response?: Record<string, unknown>; id?: string };
}

/** What the fake does with one request. */
export type GeminiReply =
	| { json: unknown; delayMs?: number }
	/** Streamed requests get the text in chunks of `chunkSize` characters, `chunkDelayMs` apart. */
	| {
			text: string;
			delayMs?: number;
			chunkSize?: number;
			chunkDelayMs?: number;
			/** Streamed: the connection is cut after this many chunks (a stream that breaks off). */
			breakAfterChunks?: number;
	  }
	/** The model asks for tool calls (a streamed or plain answer with functionCall parts). */
	| { functionCalls: Array<{ name: string; args: Record<string, unknown> }>; delayMs?: number }
	| { status: number; delayMs?: number }
	/** Never answers (until the client gives up or the server closes). */
	| { hang: true };

export type GeminiHandler = (request: GeminiRequest) => GeminiReply | Promise<GeminiReply>;

const STATUS_NAMES: Record<number, string> = {
	400: 'INVALID_ARGUMENT',
	403: 'PERMISSION_DENIED',
	429: 'RESOURCE_EXHAUSTED',
	500: 'INTERNAL',
	503: 'UNAVAILABLE'
};

export interface FakeGemini {
	url: string;
	requests: GeminiRequest[];
	/** Replies used in order, one per request; after them `fallback` answers. */
	script: GeminiReply[];
	fallback: GeminiHandler;
	close(): Promise<void>;
}

function readBody(req: IncomingMessage): Promise<string> {
	return new Promise((resolve, reject) => {
		const chunks: Buffer[] = [];
		req.on('data', (c: Buffer) => chunks.push(c));
		req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
		req.on('error', reject);
	});
}

function send(res: ServerResponse, status: number, body: unknown) {
	const text = JSON.stringify(body);
	res.writeHead(status, {
		'content-type': 'application/json; charset=UTF-8',
		'content-length': Buffer.byteLength(text)
	});
	res.end(text);
}

/** A generateContent answer whose single text part is `text`, with token usage. */
export function generateContentResponse(model: string, text: string, promptTokens = 420) {
	const output = Math.ceil(text.length / 4);
	return {
		candidates: [{ content: { parts: [{ text }], role: 'model' }, finishReason: 'STOP', index: 0 }],
		usageMetadata: {
			promptTokenCount: promptTokens,
			candidatesTokenCount: output,
			totalTokenCount: promptTokens + output
		},
		modelVersion: model,
		responseId: Math.random().toString(36).slice(2)
	};
}

/** Text chunks of a streamed answer, then the usage on the last one (the real stream's shape). */
export function streamChunks(model: string, text: string, chunkSize: number, promptTokens = 420) {
	const pieces: string[] = [];
	for (let i = 0; i < text.length; i += chunkSize) pieces.push(text.slice(i, i + chunkSize));
	if (pieces.length === 0) pieces.push('');
	const responseId = Math.random().toString(36).slice(2);
	return pieces.map((piece, index) => {
		const last = index === pieces.length - 1;
		const output = Math.ceil(text.length / 4);
		return {
			candidates: [
				{ content: { parts: [{ text: piece }], role: 'model' }, index: 0, ...(last ? { finishReason: 'STOP' } : {}) }
			],
			usageMetadata: last
				? { promptTokenCount: promptTokens, candidatesTokenCount: output, totalTokenCount: promptTokens + output }
				: { promptTokenCount: promptTokens, totalTokenCount: promptTokens },
			modelVersion: model,
			responseId
		};
	});
}

/** A model turn asking for function calls. */
export function functionCallResponse(model: string, calls: Array<{ name: string; args: Record<string, unknown> }>) {
	return {
		candidates: [
			{
				content: { parts: calls.map((c) => ({ functionCall: { name: c.name, args: c.args } })), role: 'model' },
				finishReason: 'STOP',
				index: 0
			}
		],
		usageMetadata: { promptTokenCount: 300, candidatesTokenCount: 12, totalTokenCount: 312 },
		modelVersion: model,
		responseId: Math.random().toString(36).slice(2)
	};
}

/** The functionResponse parts the app sent back in a request (tool results, by tool name). */
export function functionResponsesOf(request: GeminiRequest): Array<{ name: string; response: unknown }> {
	return (request.body.contents ?? [])
		.flatMap((c) => c.parts ?? [])
		.flatMap((p) =>
			p.functionResponse ? [{ name: p.functionResponse.name, response: p.functionResponse.response }] : []
		);
}

export async function startFakeGemini(fallback?: GeminiHandler): Promise<FakeGemini> {
	const sockets = new Set<Socket>();
	const fake: FakeGemini = {
		url: '',
		requests: [],
		script: [],
		fallback: fallback ?? (() => ({ status: 500 })),
		close: async () => {}
	};
	const server: Server = createServer((req, res) => {
		void (async () => {
			const match = /^\/v1beta\/models\/([^/:]+):(generateContent|streamGenerateContent)$/.exec(
				req.url?.split('?')[0] ?? ''
			);
			const raw = await readBody(req);
			if (req.method !== 'POST' || !match) {
				send(res, 404, { error: { code: 404, message: `Not found: ${req.method} ${req.url}`, status: 'NOT_FOUND' } });
				return;
			}
			const body = JSON.parse(raw) as GeminiRequest['body'];
			const request: GeminiRequest = {
				model: decodeURIComponent(match[1]),
				apiKey: req.headers['x-goog-api-key'] as string | undefined,
				body,
				stream: match[2] === 'streamGenerateContent',
				prompt: (body.contents ?? [])
					.flatMap((c) => c.parts ?? [])
					.map((p) => p.text ?? '')
					.join('\n'),
				at: Date.now()
			};
			fake.requests.push(request);
			const reply = fake.script.shift() ?? (await fake.fallback(request));
			if ('hang' in reply) return;
			if (reply.delayMs) await new Promise((resolve) => setTimeout(resolve, reply.delayMs));
			if (res.destroyed) return;
			if ('status' in reply) {
				send(res, reply.status, {
					error: {
						code: reply.status,
						message: reply.status === 429 ? 'Resource has been exhausted (e.g. check quota).' : 'Internal error',
						status: STATUS_NAMES[reply.status] ?? 'UNKNOWN'
					}
				});
				return;
			}
			if (request.stream) {
				// `alt=sse`: each chunk a `data:` event, CRLF-delimited as Google's front end sends them.
				res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
				const chunks =
					'functionCalls' in reply
						? [functionCallResponse(request.model, reply.functionCalls)]
						: 'json' in reply
							? streamChunks(request.model, JSON.stringify(reply.json), 1_000_000)
							: streamChunks(request.model, reply.text, reply.chunkSize ?? 12);
				for (const [index, chunk] of chunks.entries()) {
					if (res.destroyed) return;
					if ('text' in reply && reply.breakAfterChunks !== undefined && index >= reply.breakAfterChunks) {
						res.destroy();
						return;
					}
					if (index > 0 && 'text' in reply && reply.chunkDelayMs)
						await new Promise((resolve) => setTimeout(resolve, reply.chunkDelayMs));
					res.write(`data: ${JSON.stringify(chunk)}\r\n\r\n`);
				}
				res.end();
				return;
			}
			if ('functionCalls' in reply) {
				send(res, 200, functionCallResponse(request.model, reply.functionCalls));
				return;
			}
			const text = 'json' in reply ? JSON.stringify(reply.json) : reply.text;
			send(res, 200, generateContentResponse(request.model, text));
		})().catch((err: unknown) => {
			if (!res.headersSent) send(res, 500, { error: { code: 500, message: String(err), status: 'INTERNAL' } });
		});
	});
	server.on('connection', (socket) => {
		sockets.add(socket);
		socket.on('close', () => sockets.delete(socket));
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
	fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
	fake.close = () =>
		new Promise<void>((resolve) => {
			for (const socket of sockets) socket.destroy();
			server.close(() => resolve());
		});
	return fake;
}

/** The CV the app put between <cv> and </cv> in a screening prompt. */
export function cvOfPrompt(prompt: string): string {
	return /<cv>\n?([\s\S]*?)\n?<\/cv>/.exec(prompt)?.[1] ?? '';
}

/**
 * A screening answer as Gemini would give it, quoting real lines of the CV in the prompt (and
 * one invented quotation, which the app must drop), scored `score`.
 */
export function screeningAnswer(prompt: string, score = 82) {
	const lines = cvOfPrompt(prompt)
		.split('\n')
		.map((l) => l.trim())
		.filter((l) => l.length > 20);
	return {
		score,
		decision: score >= 70 ? 'advance' : score >= 40 ? 'hold' : 'reject',
		summary: 'Strong backend experience with the requested stack.',
		requirements: [
			{ requirement: 'Go', kind: 'must_have', met: 'yes', evidence: lines[1] ?? lines[0] },
			{ requirement: 'PostgreSQL', kind: 'must_have', met: 'yes', evidence: lines[2] ?? lines[0] },
			{ requirement: 'Kubernetes', kind: 'must_have', met: 'yes', evidence: 'Invented: ran 900 clusters on Mars' }
		],
		strengths: ['Owns services end to end'],
		gaps: ['No Terraform mentioned'],
		red_flags: [],
		experience_years: 7
	};
}

/**
 * A job-description draft as Gemini would give it for the prompt the app sent: the title and
 * the must-have skills read back from the prompt, so the app's check (the requirements name a
 * must-have skill) passes. `marker` is put into every section to recognise the draft by.
 */
export function jobDescriptionAnswer(prompt: string, marker = 'Gemini wrote this') {
	const title = /^Title: (.+)$/m.exec(prompt)?.[1] ?? 'the role';
	const skills = (/^Must-have skills: (.+)$/m.exec(prompt)?.[1] ?? '')
		.split(', ')
		.filter((s) => s && !s.startsWith('('));
	return {
		about_the_role: [`As our ${title} you will shape how we build. ${marker}.`],
		responsibilities: ['Own services end to end', `Pair with the team (${marker})`],
		requirements: skills.length ? skills.map((s) => `Solid experience with ${s}`) : [`Experience as ${title}`],
		nice_to_have: [],
		what_we_offer: [`Remote-friendly work (${marker})`]
	};
}
