import {
	candidateInterviews,
	findOffers,
	findRequirements,
	interviewsAwaitingFeedback,
	pipelineSummary,
	searchCandidates,
	type ToolContext
} from './tools';

/**
 * The assistant without Gemini: a fixed set of question types recognised by pattern and
 * answered with the same tools (so with the same permission checks). Deterministic: the same
 * question over the same data gives the same answer. Anything else gets the list of what it can
 * answer.
 */

export const HEURISTIC_PREFIX = 'Answered without AI';

/** What the pattern assistant understands, shown when a question is not one of them. */
export const SUPPORTED_QUESTIONS = [
	'Who is waiting on feedback for <requirement>?',
	"Summarise <candidate>'s interviews",
	'How many candidates in <stage> for <requirement>?',
	'Pipeline for <requirement>',
	'Open requirements',
	'Offers for <requirement or candidate>',
	'Find <candidate name>'
];

const ROLE_WORDS = /\s+(?:role|position|requirement|req|job|opening|vacancy)$/u;

/** "the Backend role?" → "Backend". */
function cleanPhrase(phrase: string | undefined): string {
	return (phrase ?? '')
		.trim()
		.replace(/[?.!]+$/u, '')
		.replace(/^(?:the|our|my|a|an)\s+/iu, '')
		.replace(ROLE_WORDS, '')
		.trim();
}

/** "Jane's" / "Jane’s" / "Jane" → "Jane". */
function cleanName(phrase: string | undefined): string {
	return cleanPhrase(phrase)
		.replace(/['’]s$/u, '')
		.trim();
}

const fmtDate = (iso: string) => iso.slice(0, 10);

type Requirements = Awaited<ReturnType<typeof findRequirements>>['requirements'];

/** Requirements matching a phrase of the question (the requirement list's text search). */
async function resolveRequirements(ctx: ToolContext, phrase: string): Promise<Requirements> {
	const whole = await findRequirements(ctx, { query: phrase });
	if (whole.requirements.length > 0) return whole.requirements;
	return [];
}

async function feedbackAnswer(ctx: ToolContext, phrase: string): Promise<string> {
	const requirements = phrase ? await resolveRequirements(ctx, phrase) : null;
	if (requirements && requirements.length === 0) return `I found no requirement matching “${phrase}”.`;
	const lines: string[] = [];
	for (const scope of requirements ?? [null]) {
		const { interviews } = await interviewsAwaitingFeedback(ctx, { requirement_id: scope?.id });
		const where = scope ? ` for ${scope.reference} ${scope.title}` : '';
		if (interviews.length === 0) {
			lines.push(`No interview you can see${where} is waiting on feedback.`);
			continue;
		}
		lines.push(`Waiting on feedback${where}:`);
		for (const i of interviews) {
			lines.push(`- ${i.waitingOn.join(', ')} — ${i.type} interview with ${i.candidate} (${fmtDate(i.startsAt)})`);
		}
	}
	return lines.join('\n');
}

async function interviewsAnswer(ctx: ToolContext, name: string): Promise<string> {
	const { candidates } = await searchCandidates(ctx, { name });
	if (candidates.length === 0) return `I found no candidate called “${name}” that you can open.`;
	const lines: string[] = [];
	for (const c of candidates.slice(0, 3)) {
		const result = await candidateInterviews(ctx, { candidate_id: c.id });
		if ('error' in result) continue;
		const interviews = result.applications.flatMap((a) =>
			a.interviews.map((i) => ({ ...i, requirement: a.requirement }))
		);
		const stages = result.applications.map((a) => `${a.requirement} (${a.stage})`).join(', ');
		lines.push(`${c.name}${stages ? ` — ${stages}` : ''}:`);
		if (interviews.length === 0) {
			lines.push('- No interviews you can see.');
			continue;
		}
		for (const i of interviews) {
			const submitted = i.panel.filter((p) => p.submittedFeedback).length;
			const recs = i.scorecards.map((s) => `${s.interviewer}: ${s.recommendation.replaceAll('_', ' ')}`);
			lines.push(
				`- ${i.type} interview on ${fmtDate(i.startsAt)} (${i.status}), panel ${i.panel.map((p) => p.name).join(', ')}; ` +
					`${submitted} of ${i.panel.length} scorecards in${recs.length ? ` — ${recs.join('; ')}` : ''}`
			);
		}
	}
	return lines.join('\n');
}

async function pipelineAnswer(ctx: ToolContext, phrase: string, stagePhrase?: string): Promise<string> {
	const requirements = await resolveRequirements(ctx, phrase);
	if (requirements.length === 0) return `I found no requirement matching “${phrase}”.`;
	const lines: string[] = [];
	for (const r of requirements.slice(0, 3)) {
		const summary = await pipelineSummary(ctx, { requirement_id: r.id });
		if ('error' in summary) {
			lines.push(`You may not see the pipeline of ${r.reference} ${r.title}.`);
			continue;
		}
		if (stagePhrase) {
			const wanted = stagePhrase.toLowerCase().replace(/\s+stage$/u, '');
			const stage = summary.stages.find(
				(s) => s.label.toLowerCase() === wanted || s.key === wanted || s.label.toLowerCase().startsWith(wanted)
			);
			if (!stage) {
				lines.push(
					`${r.reference} ${r.title} has no stage “${stagePhrase}” (its stages: ${summary.stages.map((s) => s.label).join(', ')}).`
				);
				continue;
			}
			const n = stage.candidates;
			lines.push(`${n} candidate${n === 1 ? '' : 's'} in ${stage.label} for ${r.reference} ${r.title}.`);
		} else {
			lines.push(`Pipeline of ${r.reference} ${r.title} (${summary.total} candidates):`);
			for (const s of summary.stages) lines.push(`- ${s.label}: ${s.candidates}`);
		}
	}
	return lines.join('\n');
}

async function openRequirementsAnswer(ctx: ToolContext): Promise<string> {
	const { requirements, total } = await findRequirements(ctx, { status: 'open' });
	if (requirements.length === 0) return 'There are no open requirements.';
	const lines = [`${total} open requirement${total === 1 ? '' : 's'}:`];
	for (const r of requirements)
		lines.push(`- ${r.reference} ${r.title} (${r.department}, hiring manager ${r.hiringManager})`);
	return lines.join('\n');
}

async function offersAnswer(ctx: ToolContext, phrase: string): Promise<string> {
	let scope = '';
	let offers: Awaited<ReturnType<typeof findOffers>>['offers'] = [];
	if (phrase) {
		const requirements = await resolveRequirements(ctx, phrase);
		if (requirements.length > 0) {
			for (const r of requirements.slice(0, 3))
				offers.push(...(await findOffers(ctx, { requirement_id: r.id })).offers);
			scope = ` for ${requirements
				.slice(0, 3)
				.map((r) => r.title)
				.join(', ')}`;
		} else {
			const { candidates } = await searchCandidates(ctx, { name: cleanName(phrase) });
			if (candidates.length === 0) return `I found no requirement or candidate matching “${phrase}” that you can open.`;
			for (const c of candidates.slice(0, 3)) offers.push(...(await findOffers(ctx, { candidate_id: c.id })).offers);
			scope = ` for ${candidates
				.slice(0, 3)
				.map((c) => c.name)
				.join(', ')}`;
		}
	} else {
		offers = (await findOffers(ctx, {})).offers;
	}
	if (offers.length === 0) return `No offers you can open${scope}.`;
	const lines = [`Offers${scope}:`];
	for (const o of offers) {
		const salary = o.salary ? `, ${o.salary.toLocaleString('en-US')} ${o.currency}` : '';
		lines.push(`- ${o.candidate} — ${o.requirement}: ${o.status.replaceAll('_', ' ')}${salary}`);
	}
	return lines.join('\n');
}

async function findCandidateAnswer(ctx: ToolContext, name: string): Promise<string> {
	const { candidates } = await searchCandidates(ctx, { name });
	if (candidates.length === 0) return `I found no candidate called “${name}” that you can open.`;
	const lines = [`Candidates matching “${name}”:`];
	for (const c of candidates) {
		const role = [c.currentTitle, c.currentCompany].filter(Boolean).join(' at ');
		lines.push(`- ${c.name}${role ? ` — ${role}` : ''}`);
	}
	return lines.join('\n');
}

/** A recognised question: its kind and the phrases taken from it (a name, a requirement, a stage). */
export type Recognised =
	| { kind: 'feedback'; requirement: string }
	| { kind: 'interviews'; candidate: string }
	| { kind: 'stage_count'; requirement: string; stage: string }
	| { kind: 'pipeline'; requirement: string }
	| { kind: 'open_requirements' }
	| { kind: 'offers'; about: string }
	| { kind: 'find_candidate'; candidate: string };

const PATTERNS: Array<{ match: RegExp; read: (m: RegExpExecArray) => Recognised }> = [
	{
		match:
			/\b(?:feedback|scorecards?)\b.*?\b(?:waiting|await\w*|owe\w*|missing|outstanding|pending|overdue|not (?:yet )?submitted|due)\b(?:.*?\b(?:for|on|in)\s+(.+))?$|\b(?:waiting|await\w*)(?:\s+(?:on|for))?\s+(?:feedback|scorecards?)(?:\s+(?:for|on|in)\s+(.+))?$/iu,
		read: (m) => ({ kind: 'feedback', requirement: cleanPhrase(m[1] ?? m[2]) })
	},
	{
		match:
			/\bsummar\w*\s+(.+?)(?:['’]s)?\s+interviews?\b|\binterviews?\s+(?:of|for|with)\s+(.+)$|\bhow did\s+(.+?)\s+do\b/iu,
		read: (m) => ({ kind: 'interviews', candidate: cleanName(m[1] ?? m[2] ?? m[3]) })
	},
	{
		match:
			/\bhow many\s+(?:candidates|people|applicants|applications)?\s*(?:are\s+)?(?:there\s+)?(?:in|at)\s+(?:the\s+)?(.+?)(?:\s+(?:stage|column))?\s+(?:for|on|in|of)\s+(.+)$/iu,
		read: (m) => ({ kind: 'stage_count', requirement: cleanPhrase(m[2]), stage: m[1].trim() })
	},
	{
		match: /\b(?:pipeline|funnel)\s+(?:for|of)\s+(.+)$|^(?:how is|status of)\s+(.+?)\s+(?:going|doing)/iu,
		read: (m) => ({ kind: 'pipeline', requirement: cleanPhrase(m[1] ?? m[2]) })
	},
	{
		match: /\bopen\s+(?:requirements|roles|positions|jobs|reqs|vacancies|openings)\b|\bwhat are we hiring\b/iu,
		read: () => ({ kind: 'open_requirements' })
	},
	{
		match: /\boffers?\b(?:.*?\b(?:for|to|of)\s+(.+))?$/iu,
		read: (m) => ({ kind: 'offers', about: cleanPhrase(m[1]) })
	},
	{
		match: /^(?:find|search(?: for)?|look up|who is|show(?: me)?|tell me about)\s+(?:candidate\s+)?(.+)$/iu,
		read: (m) => ({ kind: 'find_candidate', candidate: cleanName(m[1]) })
	}
];

/** Which of the supported questions `question` is, or null. Pure, for the unit tests. */
export function recogniseQuestion(question: string): Recognised | null {
	// Trailing punctuation would stop the patterns' `$` ("Any offers?").
	const q = question
		.trim()
		.replace(/\s+/gu, ' ')
		.replace(/[\s?.!]+$/u, '');
	for (const pattern of PATTERNS) {
		const m = pattern.match.exec(q);
		if (m) return pattern.read(m);
	}
	return null;
}

function answerRecognised(ctx: ToolContext, r: Recognised): Promise<string> {
	switch (r.kind) {
		case 'feedback':
			return feedbackAnswer(ctx, r.requirement);
		case 'interviews':
			return interviewsAnswer(ctx, r.candidate);
		case 'stage_count':
			return pipelineAnswer(ctx, r.requirement, r.stage);
		case 'pipeline':
			return pipelineAnswer(ctx, r.requirement);
		case 'open_requirements':
			return openRequirementsAnswer(ctx);
		case 'offers':
			return offersAnswer(ctx, r.about);
		case 'find_candidate':
			return findCandidateAnswer(ctx, r.candidate);
	}
}

/** The pattern assistant's answer to `question` (the records it used are in `ctx.used`). */
export async function answerByPattern(ctx: ToolContext, question: string, reason: string | null): Promise<string> {
	const why = reason ? ` (${reason})` : '';
	const recognised = recogniseQuestion(question);
	if (recognised) return `${HEURISTIC_PREFIX}${why}:\n${await answerRecognised(ctx, recognised)}`;
	return [
		`${HEURISTIC_PREFIX}${why}: I did not recognise that question. Without AI I can answer:`,
		...SUPPORTED_QUESTIONS.map((s) => `- ${s}`)
	].join('\n');
}
