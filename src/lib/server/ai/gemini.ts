import {
	ApiError,
	FunctionCallingConfigMode,
	GoogleGenAI,
	type Content,
	type FunctionDeclaration,
	type GenerateContentConfig,
	type GenerateContentResponse,
	type Part,
	type Schema
} from '@google/genai';
import type { z } from 'zod';
import type { AiSource } from '../db/schema';
import type { Runtime } from '../runtime';
import { geminiSettings } from '../settings/service';
import { BudgetExhausted, sleep, takeBudget } from './budget';

/**
 * The one module every AI call goes through: Google Gemini via `@google/genai`, with
 * - the model from the settings or GEMINI_MODEL, the endpoint from GEMINI_BASE_URL;
 * - structured output (responseMimeType application/json + responseSchema), validated with zod;
 *   an invalid answer is asked for once more, then it is a failure;
 * - a timeout per call (GEMINI_TIMEOUT_MS, 30 s), which is a failure at once;
 * - retries on 429, 5xx and network errors after 2, 4, 8, 16 s (GEMINI_RETRY_BASE_MS doubles);
 * - the per-minute budget (GEMINI_REQUESTS_PER_MINUTE) shared by all processes;
 * - token usage added to the caller's meter, so jobs record it in their result.
 * `runWithFallback` turns any failure (or no key) into the feature's deterministic heuristic.
 */

/** Token usage of one feature run (summed over its Gemini calls). */
export interface AiUsage {
	calls: number;
	promptTokens: number;
	outputTokens: number;
	totalTokens: number;
}

export function emptyUsage(): AiUsage {
	return { calls: 0, promptTokens: 0, outputTokens: 0, totalTokens: 0 };
}

export type FailureKind =
	| 'no_api_key'
	| 'timeout'
	| 'rate_limited'
	| 'server_error'
	| 'network'
	| 'refused'
	| 'invalid_answer'
	| 'budget'
	| 'deadline';

/** Gemini could not give a usable answer; the feature falls back to its heuristic. */
export class GeminiFailure extends Error {
	override name = 'GeminiFailure';
	constructor(
		readonly kind: FailureKind,
		message: string
	) {
		super(message);
	}
}

export interface CallOptions {
	/** Aborts the call and any wait (job shutdown, client gone): rethrown, never a fallback. */
	signal?: AbortSignal;
	/** Background work waits for the per-minute budget; interactive calls fail over at once. */
	waitForBudget: boolean;
	/** Epoch ms: a retry that would start after this is not tried (interactive endpoints). */
	deadline?: number;
	/** Where token usage is added. */
	usage: AiUsage;
}

export interface JsonRequest<S extends z.ZodType> {
	system: string;
	prompt: string;
	responseSchema: Schema;
	/** Validates the parsed answer (the type the feature works with). */
	schema: S;
	/** Extra semantic check of a parsed answer: a message when it is not acceptable. */
	check?: (value: z.infer<S>) => string | null;
	temperature?: number;
}

/** A streamed answer that may call tools (function calling), for `GeminiClient.streamWithTools`. */
export interface ToolChatRequest {
	system: string;
	/** The conversation so far, the user's question last. */
	contents: Content[];
	tools: FunctionDeclaration[];
	/** Runs one tool call; what it returns is sent back to the model as the functionResponse. */
	runTool: (name: string, args: Record<string, unknown>) => Promise<Record<string, unknown>>;
	/** Rounds of tool calls allowed; the round after the last is asked to answer without tools. */
	maxToolRounds: number;
	temperature?: number;
}

/** What a tool-using stream yields: text as it arrives, and each tool call as it is made. */
export type ToolChatEvent =
	{ type: 'text'; text: string } | { type: 'tool'; name: string; args: Record<string, unknown> };

const RETRIES = 4;
const RETRYABLE_STATUS = (status: number) => status === 429 || status >= 500;

function isAbort(signal: AbortSignal | undefined): boolean {
	return Boolean(signal?.aborted);
}

function addUsage(usage: AiUsage, response: GenerateContentResponse) {
	const meta = response.usageMetadata;
	usage.calls += 1;
	usage.promptTokens += meta?.promptTokenCount ?? 0;
	usage.outputTokens += (meta?.candidatesTokenCount ?? 0) + (meta?.thoughtsTokenCount ?? 0);
	usage.totalTokens += meta?.totalTokenCount ?? 0;
}

/** Why a try failed, and whether another try may help. */
function classify(err: unknown, timedOut: boolean): { kind: FailureKind; retry: boolean; message: string } {
	if (timedOut) return { kind: 'timeout', retry: false, message: 'Gemini did not answer in time' };
	if (err instanceof ApiError) {
		if (err.status === 429) return { kind: 'rate_limited', retry: true, message: 'Gemini is rate limiting (429)' };
		if (RETRYABLE_STATUS(err.status))
			return { kind: 'server_error', retry: true, message: `Gemini answered ${err.status}` };
		return { kind: 'refused', retry: false, message: `Gemini refused the request (${err.status})` };
	}
	const text = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
	if (/fetch failed|ECONNREFUSED|ECONNRESET|socket hang up|ETIMEDOUT|EAI_AGAIN|terminated/i.test(text)) {
		return { kind: 'network', retry: true, message: 'Gemini could not be reached' };
	}
	return { kind: 'refused', retry: false, message: 'Gemini call failed' };
}

export class GeminiClient {
	private readonly ai: GoogleGenAI;

	constructor(
		private readonly rt: Runtime,
		readonly model: string,
		apiKey: string,
		baseUrl?: string
	) {
		this.ai = new GoogleGenAI({ apiKey, httpOptions: baseUrl ? { baseUrl } : undefined });
	}

	/**
	 * One generateContent call with the budget, the timeout and the retries (429/5xx/network:
	 * 2, 4, 8, 16 s). Returns the raw response; throws GeminiFailure when it cannot get one.
	 */
	async generate(
		contents: Content[],
		config: Omit<GenerateContentConfig, 'abortSignal' | 'httpOptions'>,
		options: CallOptions
	): Promise<GenerateContentResponse> {
		return this.withRetries(options, async (abortSignal) => {
			const response = await this.ai.models.generateContent({
				model: this.model,
				contents,
				config: { ...config, abortSignal }
			});
			addUsage(options.usage, response);
			return response;
		});
	}

	/**
	 * A streamed generateContent call: the first chunk is awaited under the same retry rules as
	 * `generate`; chunks after it are yielded as they come (the timeout covers the whole answer).
	 */
	async *stream(
		contents: Content[],
		config: Omit<GenerateContentConfig, 'abortSignal' | 'httpOptions'>,
		options: CallOptions
	): AsyncGenerator<GenerateContentResponse> {
		const { iterator, first, timer, controller } = await this.withRetries(
			options,
			async (abortSignal, t, c) => {
				const it = (
					await this.ai.models.generateContentStream({
						model: this.model,
						contents,
						config: { ...config, abortSignal }
					})
				)[Symbol.asyncIterator]();
				const head = await it.next();
				return { iterator: it, first: head, timer: t, controller: c };
			},
			true
		);
		let last: GenerateContentResponse | null = null;
		try {
			let next = first;
			while (!next.done) {
				last = next.value;
				yield next.value;
				try {
					next = await iterator.next();
				} catch (err) {
					if (isAbort(options.signal)) throw err;
					throw new GeminiFailure(
						controller.signal.aborted ? 'timeout' : 'network',
						controller.signal.aborted ? 'Gemini did not finish its answer in time' : 'The Gemini stream broke off'
					);
				}
			}
		} finally {
			clearTimeout(timer);
			// Usage of a streamed answer comes with its last chunk.
			if (last) addUsage(options.usage, last);
		}
	}

	/**
	 * A streamed answer with function calling: each round streams the model's turn; when it asks
	 * for tools they are run (`runTool`), their results sent back as functionResponse parts, and
	 * the model is asked again — at most `maxToolRounds` times, then once more with tools off, so
	 * that the answer always ends in text. Every round is one `stream` call under the same
	 * budget, timeout and retry rules (and usage metering).
	 */
	async *streamWithTools(request: ToolChatRequest, options: CallOptions): AsyncGenerator<ToolChatEvent> {
		const contents: Content[] = [...request.contents];
		for (let round = 0; ; round++) {
			const toolsOff = round >= request.maxToolRounds;
			const parts: Part[] = [];
			for await (const chunk of this.stream(
				contents,
				{
					systemInstruction: request.system,
					temperature: request.temperature ?? 0.2,
					tools: [{ functionDeclarations: request.tools }],
					toolConfig: {
						functionCallingConfig: {
							mode: toolsOff ? FunctionCallingConfigMode.NONE : FunctionCallingConfigMode.AUTO
						}
					}
				},
				options
			)) {
				const candidate = chunk.candidates?.[0];
				if (candidate?.finishReason && !['STOP', 'MAX_TOKENS'].includes(candidate.finishReason)) {
					throw new GeminiFailure('invalid_answer', `Gemini stopped: ${candidate.finishReason}`);
				}
				for (const part of candidate?.content?.parts ?? []) {
					parts.push(part);
					if (part.text && !part.thought) yield { type: 'text', text: part.text };
				}
			}
			const calls = parts.flatMap((p) => (p.functionCall?.name ? [p.functionCall] : []));
			if (calls.length === 0) {
				if (!parts.some((p) => p.text && !p.thought))
					throw new GeminiFailure('invalid_answer', 'Gemini gave no answer');
				return;
			}
			if (toolsOff) throw new GeminiFailure('invalid_answer', 'Gemini kept asking for tools');
			// The model's turn goes back as it came (function calls, thought signatures), then the results.
			contents.push({ role: 'model', parts });
			const responses: Part[] = [];
			for (const call of calls) {
				const name = call.name ?? '';
				const args = call.args ?? {};
				yield { type: 'tool', name, args };
				responses.push({
					functionResponse: { name, response: await request.runTool(name, args), ...(call.id ? { id: call.id } : {}) }
				});
			}
			contents.push({ role: 'user', parts: responses });
		}
	}

	/**
	 * Asks for JSON matching `responseSchema`, parses and validates it. An answer that is not
	 * valid JSON, fails the zod schema or the check is asked for once more, then fails.
	 */
	async generateJson<S extends z.ZodType>(request: JsonRequest<S>, options: CallOptions): Promise<z.infer<S>> {
		let lastProblem = '';
		for (let attempt = 1; attempt <= 2; attempt++) {
			const response = await this.generate(
				[{ role: 'user', parts: [{ text: request.prompt }] }],
				{
					systemInstruction: request.system,
					responseMimeType: 'application/json',
					responseSchema: request.responseSchema,
					temperature: request.temperature ?? 0.2
				},
				options
			);
			const problem = this.validate(response, request);
			if (problem.ok) return problem.value;
			lastProblem = problem.reason;
			this.rt.logger.warn({ model: this.model, attempt, problem: lastProblem }, 'invalid answer from Gemini');
		}
		throw new GeminiFailure('invalid_answer', `Gemini gave no valid answer twice (${lastProblem})`);
	}

	private validate<S extends z.ZodType>(
		response: GenerateContentResponse,
		request: JsonRequest<S>
	): { ok: true; value: z.infer<S> } | { ok: false; reason: string } {
		const candidate = response.candidates?.[0];
		if (!candidate) return { ok: false, reason: 'no candidate in the answer' };
		if (candidate.finishReason && !['STOP', 'MAX_TOKENS'].includes(candidate.finishReason)) {
			return { ok: false, reason: `finish reason ${candidate.finishReason}` };
		}
		const text = response.text ?? '';
		let parsed: unknown;
		try {
			parsed = JSON.parse(text);
		} catch {
			return { ok: false, reason: 'the answer is not JSON' };
		}
		const result = request.schema.safeParse(parsed);
		if (!result.success) {
			const issue = result.error.issues[0];
			return { ok: false, reason: `schema: ${issue.path.join('.') || '(root)'} ${issue.message}` };
		}
		const semantic = request.check?.(result.data);
		if (semantic) return { ok: false, reason: semantic };
		return { ok: true, value: result.data };
	}

	private async withRetries<T>(
		options: CallOptions,
		call: (signal: AbortSignal, timer: NodeJS.Timeout, controller: AbortController) => Promise<T>,
		keepTimer = false
	): Promise<T> {
		const base = this.rt.config.GEMINI_RETRY_BASE_MS;
		for (let retry = 0; ; retry++) {
			const left = options.deadline === undefined ? Infinity : options.deadline - Date.now();
			if (left <= 0) throw new GeminiFailure('deadline', 'No time left for Gemini');
			const timeoutMs = Math.min(this.rt.config.GEMINI_TIMEOUT_MS, left);
			try {
				await takeBudget(this.rt, { wait: options.waitForBudget, signal: options.signal });
			} catch (err) {
				if (err instanceof BudgetExhausted) throw new GeminiFailure('budget', err.message);
				throw err;
			}
			const controller = new AbortController();
			const timer = setTimeout(() => controller.abort(new Error('timeout')), timeoutMs);
			const onAbort = () => controller.abort(options.signal?.reason);
			options.signal?.addEventListener('abort', onAbort, { once: true });
			let failure: ReturnType<typeof classify>;
			try {
				const result = await call(controller.signal, timer, controller);
				if (!keepTimer) clearTimeout(timer);
				return result;
			} catch (err) {
				clearTimeout(timer);
				if (isAbort(options.signal)) throw err;
				if (err instanceof GeminiFailure) throw err;
				failure = classify(err, controller.signal.aborted);
			} finally {
				options.signal?.removeEventListener('abort', onAbort);
			}
			const delay = base * 2 ** retry;
			const tooLate = options.deadline !== undefined && Date.now() + delay + 1000 > options.deadline;
			this.rt.logger.warn(
				{ model: this.model, kind: failure.kind, retry, willRetry: failure.retry && retry < RETRIES && !tooLate },
				'Gemini call failed'
			);
			if (!failure.retry) throw new GeminiFailure(failure.kind, failure.message);
			if (retry >= RETRIES) throw new GeminiFailure(failure.kind, `${failure.message}, ${RETRIES} retries exhausted`);
			if (tooLate) throw new GeminiFailure('deadline', `${failure.message}; no time left to retry`);
			await sleep(delay, options.signal);
		}
	}
}

/** A client for the key and model in force, or null when no key is configured. */
export async function geminiClient(rt: Runtime): Promise<GeminiClient | null> {
	const settings = await geminiSettings(rt);
	if (!settings.apiKey) return null;
	return new GeminiClient(rt, settings.model, settings.apiKey, settings.baseUrl);
}

/** A feature's result with where it came from. */
export interface AiOutcome<T> {
	value: T;
	source: AiSource;
	model: string | null;
	usage: AiUsage;
	/** Why the heuristic answered (no key, timeout, invalid answers…); null for Gemini. */
	fallbackReason: string | null;
	fallbackKind: FailureKind | null;
}

export interface FallbackOptions<T> {
	feature: string;
	signal?: AbortSignal;
	waitForBudget: boolean;
	/** For interactive endpoints: the whole Gemini attempt (with retries) must end within this. */
	deadlineMs?: number;
	/** Do not even try Gemini (the data may not be sent to AI, or the caller chose the heuristic). */
	heuristicOnly?: boolean;
	usage?: AiUsage;
	gemini: (client: GeminiClient, options: CallOptions) => Promise<T>;
	heuristic: () => T | Promise<T>;
}

/**
 * Runs a feature with Gemini when a key is configured, else — or when Gemini fails after its
 * retries — with the feature's deterministic heuristic, and says which one answered.
 */
export async function runWithFallback<T>(rt: Runtime, options: FallbackOptions<T>): Promise<AiOutcome<T>> {
	const usage = options.usage ?? emptyUsage();
	const client = options.heuristicOnly ? null : await geminiClient(rt);
	if (!client) {
		return {
			value: await options.heuristic(),
			source: 'heuristic',
			model: null,
			usage,
			fallbackReason: options.heuristicOnly ? 'Not sent to AI' : 'No Gemini API key is configured',
			fallbackKind: options.heuristicOnly ? null : 'no_api_key'
		};
	}
	try {
		const value = await options.gemini(client, {
			signal: options.signal,
			waitForBudget: options.waitForBudget,
			deadline: options.deadlineMs ? Date.now() + options.deadlineMs : undefined,
			usage
		});
		return { value, source: 'gemini', model: client.model, usage, fallbackReason: null, fallbackKind: null };
	} catch (err) {
		if (!(err instanceof GeminiFailure)) throw err;
		rt.logger.warn({ feature: options.feature, kind: err.kind, reason: err.message }, 'AI fell back to the heuristic');
		return {
			value: await options.heuristic(),
			source: 'heuristic',
			model: null,
			usage,
			fallbackReason: err.message,
			fallbackKind: err.kind
		};
	}
}
