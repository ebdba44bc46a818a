import type { Content } from '@google/genai';
import { ROLE_LABELS } from '../../../roles';
import { can } from '../../../permissions';
import type { ChatInput } from '../../../schemas/ai';
import { subjectOf, type Actor } from '../../actor';
import { Forbidden } from '../../errors';
import type { Runtime } from '../../runtime';
import { emptyUsage, GeminiFailure, geminiClient, type AiUsage } from '../gemini';
import { INTERACTIVE_DEADLINE_MS } from '../writing';
import { answerByPattern } from './patterns';
import { runTool, TOOL_DECLARATIONS, UsedRecords, type UsedRecord } from './tools';

/**
 * The assistant (`POST /ai/chat`): answers questions about the user's hiring data, streamed.
 * With Gemini it uses function calling over the read-only tools of `./tools` (run as the user,
 * through the permission checks of the REST endpoints); without a key, or when Gemini fails
 * after its retries, the pattern assistant answers. Either way the answer ends with the records
 * it used.
 */

/** Rounds of tool calls Gemini may make for one answer. */
export const MAX_TOOL_ROUNDS = 4;

/** What the endpoint streams, in order: text (and tool notices), maybe a reset, then `done`. */
export type ChatEvent =
	| { type: 'text'; text: string }
	| { type: 'tool'; name: string }
	/** Gemini failed after part of its answer was sent: drop that text, the heuristic follows. */
	| { type: 'reset'; reason: string }
	| {
			type: 'done';
			source: 'gemini' | 'heuristic';
			model: string | null;
			fallbackReason: string | null;
			records: UsedRecord[];
			usage: AiUsage;
	  };

/** Refuses roles that may not use AI (before anything is streamed). */
export function assertCanChat(actor: Actor): void {
	if (!can(subjectOf(actor), 'use', 'ai')) throw new Forbidden('You may not use the AI assistant');
}

function systemPrompt(actor: Actor, now: Date): string {
	const role = actor.role ? ROLE_LABELS[actor.role] : 'user';
	return [
		'You are the assistant of Hiring Hare, a hiring workspace. You answer questions about the hiring data',
		`of the signed-in user, ${actor.name ?? 'a user'} (${role}). Today is ${now.toISOString().slice(0, 10)}.`,
		'Use the tools to look things up; they return only what this user may see. Never guess or invent',
		'candidates, interviews, offers or numbers: if the tools return nothing, say you found nothing the user',
		'can see. Find ids with find_requirements or search_candidates before calling the tools that need one.',
		'Answer briefly, in plain text or short "- " lists, naming the people and requirements you used.'
	].join(' ');
}

function toContents(input: ChatInput): Content[] {
	return input.messages.map((m) => ({ role: m.role === 'assistant' ? 'model' : 'user', parts: [{ text: m.content }] }));
}

/** Splits a heuristic answer into line events, so the page streams both kinds alike. */
function* linesOf(text: string): Generator<ChatEvent> {
	const lines = text.split('\n');
	for (const [i, line] of lines.entries()) yield { type: 'text', text: i < lines.length - 1 ? `${line}\n` : line };
}

/** Answers the last question of the conversation, as events to stream. */
export async function* answerChat(
	rt: Runtime,
	actor: Actor,
	input: ChatInput,
	signal?: AbortSignal
): AsyncGenerator<ChatEvent> {
	assertCanChat(actor);
	const now = new Date();
	const usage = emptyUsage();
	const question = input.messages[input.messages.length - 1].content;
	const client = await geminiClient(rt);
	let fallbackReason = 'No Gemini API key is configured';
	if (client) {
		const used = new UsedRecords();
		const ctx = { rt, actor, used, now };
		let sentText = false;
		try {
			for await (const event of client.streamWithTools(
				{
					system: systemPrompt(actor, now),
					contents: toContents(input),
					tools: TOOL_DECLARATIONS,
					runTool: (name, args) => runTool(ctx, name, args),
					maxToolRounds: MAX_TOOL_ROUNDS
				},
				{ signal, waitForBudget: false, deadline: Date.now() + INTERACTIVE_DEADLINE_MS, usage }
			)) {
				if (event.type === 'text') {
					sentText = true;
					yield { type: 'text', text: event.text };
				} else {
					yield { type: 'tool', name: event.name };
				}
			}
			rt.logger.info(
				{ feature: 'assistant', model: client.model, usage, records: used.list().length },
				'assistant answered'
			);
			yield {
				type: 'done',
				source: 'gemini',
				model: client.model,
				fallbackReason: null,
				records: used.list(),
				usage
			};
			return;
		} catch (err) {
			if (!(err instanceof GeminiFailure) || signal?.aborted) throw err;
			rt.logger.warn({ feature: 'assistant', kind: err.kind, reason: err.message }, 'AI fell back to the heuristic');
			fallbackReason = err.message;
			if (sentText) yield { type: 'reset', reason: err.message };
		}
	}
	// The pattern assistant, with a fresh record list: nothing Gemini looked up counts.
	const used = new UsedRecords();
	const text = await answerByPattern({ rt, actor, used, now }, question, fallbackReason);
	yield* linesOf(text);
	yield { type: 'done', source: 'heuristic', model: null, fallbackReason, records: used.list(), usage };
}
