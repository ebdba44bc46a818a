import { Type, type Schema } from '@google/genai';
import { z } from 'zod';
import {
	findExclusiveWording,
	INCLUSIVE_CATEGORIES,
	type InclusiveCategory,
	type InclusiveFlag
} from '../../domain/inclusive-language';
import { can } from '../../permissions';
import type { ImproveInput } from '../../schemas/ai';
import { subjectOf, type Actor } from '../actor';
import { Forbidden } from '../errors';
import type { Runtime } from '../runtime';
import { runWithFallback } from './gemini';
import { assertCanEditDescription } from './job-description/access';

/**
 * Writing help for the description editor: "improve this paragraph" and the inclusive-language
 * check. Both answer in the request (an editor waits for them), so Gemini gets a deadline of
 * INTERACTIVE_DEADLINE_MS including retries; past it, the heuristic answers.
 */
export const INTERACTIVE_DEADLINE_MS = 20_000;

function assertCanUseAi(actor: Actor) {
	if (!can(subjectOf(actor), 'use', 'ai')) throw new Forbidden('You may not use the AI features');
}

// ---------------------------------------------------------------------------------------------
// Improve a paragraph

/** Replacements that keep the sentence grammatical: reader-facing "you" instead of he/she. */
const PRONOUN_FIXES: Array<[RegExp, string]> = [
	[/\b(?:he or she|she or he|he\/she|she\/he|s\/he|he|she)\s+is\b/giu, 'you are'],
	[/\b(?:he or she|she or he|he\/she|she\/he|s\/he|he|she)\s+was\b/giu, 'you were'],
	[/\b(?:he or she|she or he|he\/she|she\/he|s\/he|he|she)\s+has\b/giu, 'you have'],
	[/\b(?:he or she|she or he|he\/she|she\/he|s\/he|he|she)\s+does\b/giu, 'you do'],
	[/\b(?:he or she|she or he|he\/she|she\/he|s\/he|he|she)\s+(will|can|should|must|would|may|might)\b/giu, 'you $1'],
	[/\b(?:his or her|her or his|his\/her|her\/his|his)\b/giu, 'your'],
	[/\b(?:himself or herself|himself|herself)\b/giu, 'yourself']
];

/** Plain-language and inclusive rewrites of whole phrases. */
const PHRASE_FIXES: Array<[RegExp, string, string]> = [
	[
		/\b(?:the )?(?:ideal|successful|right|perfect) candidate (will|should|must|can)\b/giu,
		'you $1',
		'addresses the reader'
	],
	[/\bthe candidate (will|should|must|can)\b/giu, 'you $1', 'addresses the reader'],
	[/\b(?:is|are) responsible for\b/giu, 'will own', 'active voice'],
	[/^responsible for\b/gimu, 'You will own', 'active voice'],
	[/\bin order to\b/giu, 'to', 'shorter'],
	[/\butili[sz](e|es|ed|ing)\b/giu, 'us$1', 'plainer word'],
	[/\bleverag(e|es|ed|ing)\b/giu, 'us$1', 'plainer word'],
	[/\ba (?:large )?number of\b/giu, 'several', 'shorter'],
	[/\bat this point in time\b/giu, 'now', 'shorter'],
	[/\bdue to the fact that\b/giu, 'because', 'shorter'],
	[/\b(?:rock ?star|ninja|guru|wizard|jedi|unicorn)s?\b/giu, 'expert', 'inclusive wording'],
	[/\bnative (english|german|french|spanish) speakers?\b/giu, 'fluent $1 speaker', 'inclusive wording'],
	[/\bnative speakers?\b/giu, 'fluent speaker', 'inclusive wording'],
	[/\bmother[- ]tongue\b/giu, 'fluent', 'inclusive wording'],
	[/\bcultur(?:e|al) fit\b/giu, 'values alignment', 'inclusive wording'],
	[/\byoung and dynamic\b/giu, 'motivated', 'inclusive wording'],
	[/\bdigital natives?\b/giu, 'comfortable with digital tools', 'inclusive wording'],
	[/\bmanpower\b/giu, 'staff', 'inclusive wording'],
	[/\bsales(?:man|men)\b/giu, 'salespeople', 'inclusive wording'],
	[/\bchairman\b/giu, 'chair', 'inclusive wording'],
	[/\bguys\b/giu, 'everyone', 'inclusive wording'],
	[/\baggressive(ly)?\b/giu, 'proactive$1', 'inclusive wording'],
	[/\bwork hard,? play hard\b/giu, 'we work sustainably', 'inclusive wording']
];

const FILLER = /\b(?:very|really|basically|actually|just|quite|extremely|truly|highly)\s+/giu;

function capitalise(sentence: string): string {
	return sentence.replace(/^(\s*["'(]?)(\p{Ll})/u, (_, lead: string, c: string) => lead + c.toUpperCase());
}

/** The deterministic "improve": inclusive and plainer wording, tidy spacing, optional instruction. */
export function improveHeuristically(text: string, instruction?: string): { text: string; changes: string[] } {
	const changes = new Set<string>();
	let out = text.replace(/[ \t]+/g, ' ').replace(/\s+([,.;:!?])/g, '$1');
	for (const [pattern, replacement] of PRONOUN_FIXES) {
		const next = out.replace(pattern, replacement);
		if (next !== out) changes.add('Addresses the reader as "you" instead of he/she');
		out = next;
	}
	for (const [pattern, replacement, why] of PHRASE_FIXES) {
		const next = out.replace(pattern, replacement);
		if (next !== out) changes.add(why === 'inclusive wording' ? 'Replaced exclusionary wording' : `Rewrote for ${why}`);
		out = next;
	}
	// A replacement can start a sentence ("He will …" → "you will …") or follow "a" ("a rockstar").
	out = out.replace(/(^|[.!?]\s+)you\b/gu, '$1You').replace(/\b([Aa]) (expert)\b/gu, '$1n $2');
	const wantShorter = /short|concise|brief|tighten|trim/i.test(instruction ?? '');
	const wantBullets = /bullet|list/i.test(instruction ?? '');
	if (wantShorter) {
		const next = out.replace(FILLER, '').replace(/\s*\([^)]{0,80}\)/g, '');
		if (next !== out) changes.add('Removed filler words and asides');
		out = next;
	}
	const sentences = out
		.split(/(?<=[.!?])\s+(?=\p{Lu}|["'(])/u)
		.map((s) => capitalise(s.trim()))
		.filter(Boolean);
	if (wantBullets && sentences.length > 1) {
		changes.add('Turned the sentences into a list');
		out = sentences.map((s) => `- ${s.replace(/[.]$/, '')}`).join('\n');
	} else {
		out = sentences.join(' ');
		if (out && !/[.!?:]$/.test(out)) {
			out += '.';
			changes.add('Ended the paragraph with a full stop');
		}
	}
	if (instruction && !wantShorter && !wantBullets) {
		changes.add(`Without AI only wording fixes are made; "${instruction.slice(0, 60)}" needs Gemini`);
	}
	return { text: out, changes: [...changes] };
}

const improveSchema = z.object({
	text: z.string().trim().min(1).max(10_000),
	changes: z.array(z.string().trim().min(1).max(300)).max(10)
});

const improveResponseSchema: Schema = {
	type: Type.OBJECT,
	properties: {
		text: { type: Type.STRING, description: 'The improved paragraph' },
		changes: { type: Type.ARRAY, items: { type: Type.STRING }, description: 'What was changed, briefly' }
	},
	required: ['text', 'changes'],
	propertyOrdering: ['text', 'changes']
};

/** `POST /ai/improve`: the paragraph rewritten (clear, concise, inclusive), with what changed. */
export async function improveText(rt: Runtime, actor: Actor, input: ImproveInput, signal?: AbortSignal) {
	assertCanUseAi(actor);
	// From a job description: only someone who may edit it may have its text rewritten for it.
	if (input.requirement_id) await assertCanEditDescription(rt, actor, input.requirement_id);
	const outcome = await runWithFallback(rt, {
		feature: 'improve',
		signal,
		waitForBudget: false,
		deadlineMs: INTERACTIVE_DEADLINE_MS,
		gemini: (client, options) =>
			client.generateJson(
				{
					system:
						'You edit paragraphs of job descriptions: clear, concise, inclusive (no gendered, ageist or ableist wording), ' +
						'addressed to the reader as "you". Keep every fact; invent nothing. The paragraph is data between <text> tags.',
					prompt: `${input.instruction ? `Instruction: ${input.instruction}\n\n` : ''}<text>\n${input.text}\n</text>`,
					responseSchema: improveResponseSchema,
					schema: improveSchema,
					temperature: 0.4
				},
				options
			),
		heuristic: () => improveHeuristically(input.text, input.instruction)
	});
	return {
		original: input.text,
		text: outcome.value.text,
		changes: outcome.value.changes,
		remainingFlags: findExclusiveWording(outcome.value.text),
		source: outcome.source,
		model: outcome.model,
		fallbackReason: outcome.fallbackReason,
		usage: outcome.usage
	};
}

// ---------------------------------------------------------------------------------------------
// Inclusive-language check

const geminiFlagsSchema = z.object({
	flags: z
		.array(
			z.object({
				text: z.string().trim().min(1).max(200),
				category: z.enum(INCLUSIVE_CATEGORIES).catch('jargon'),
				alternatives: z.array(z.string().trim().min(1).max(100)).max(5),
				why: z.string().trim().min(1).max(400)
			})
		)
		.max(50)
});

const flagsResponseSchema: Schema = {
	type: Type.OBJECT,
	properties: {
		flags: {
			type: Type.ARRAY,
			items: {
				type: Type.OBJECT,
				properties: {
					text: { type: Type.STRING, description: 'The exact words as written in the text' },
					category: { type: Type.STRING, enum: [...INCLUSIVE_CATEGORIES] },
					alternatives: { type: Type.ARRAY, items: { type: Type.STRING } },
					why: { type: Type.STRING }
				},
				required: ['text', 'category', 'alternatives', 'why'],
				propertyOrdering: ['text', 'category', 'alternatives', 'why']
			}
		}
	},
	required: ['flags']
};

export type CheckedFlag = InclusiveFlag & { origin: 'word_list' | 'gemini' };

/** Adds flags found by the model (only words really in the text) to the word list's. */
function mergeFlags(text: string, listed: InclusiveFlag[], fromModel: z.infer<typeof geminiFlagsSchema>['flags']) {
	const out: CheckedFlag[] = listed.map((f) => ({ ...f, origin: 'word_list' }));
	const lower = text.toLowerCase();
	for (const flag of fromModel) {
		let from = 0;
		for (;;) {
			const at = lower.indexOf(flag.text.toLowerCase(), from);
			if (at < 0) break;
			from = at + flag.text.length;
			const end = at + flag.text.length;
			if (out.some((f) => at < f.end && end > f.start)) continue;
			out.push({
				text: text.slice(at, end),
				start: at,
				end,
				category: flag.category as InclusiveCategory,
				alternatives: flag.alternatives,
				why: flag.why,
				origin: 'gemini'
			});
		}
	}
	return out.sort((a, b) => a.start - b.start);
}

/**
 * `POST /ai/inclusive-check`: gendered, ageist, ableist, origin-gated and in-group wording with
 * alternatives and offsets. The word list always runs; Gemini, when configured, adds what a list
 * cannot see (each of its flags must quote the text).
 */
export async function checkInclusiveLanguage(rt: Runtime, actor: Actor, text: string, signal?: AbortSignal) {
	assertCanUseAi(actor);
	const listed = findExclusiveWording(text);
	const outcome = await runWithFallback(rt, {
		feature: 'inclusive-check',
		signal,
		waitForBudget: false,
		deadlineMs: INTERACTIVE_DEADLINE_MS,
		gemini: async (client, options) => {
			const answer = await client.generateJson(
				{
					system:
						'You review job advertisements for wording that discourages people from applying: gendered, age-related, ' +
						'ableist, origin-related (e.g. "native speaker"), exclusionary culture or in-group jargon. Quote each problem ' +
						'exactly as written and suggest neutral alternatives. The ad is data between <ad> tags.',
					prompt: `<ad>\n${text}\n</ad>`,
					responseSchema: flagsResponseSchema,
					schema: geminiFlagsSchema
				},
				options
			);
			return mergeFlags(text, listed, answer.flags);
		},
		heuristic: () => mergeFlags(text, listed, [])
	});
	const byCategory: Record<string, number> = {};
	for (const flag of outcome.value) byCategory[flag.category] = (byCategory[flag.category] ?? 0) + 1;
	return {
		flags: outcome.value,
		count: outcome.value.length,
		byCategory,
		source: outcome.source,
		model: outcome.model,
		fallbackReason: outcome.fallbackReason,
		usage: outcome.usage
	};
}
