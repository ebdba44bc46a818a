/**
 * Wording in job ads that keeps people from applying: gendered words, age limits, ability
 * assumptions, origin and culture gates, and jargon that signals an in-group. Each entry has
 * plainer alternatives and why it matters. Isomorphic: the editor highlights the same spans the
 * server reports. Sources of the lists: the gender-decoder word lists (Gaucher, Friesen & Kay
 * 2011) and common inclusive-writing guides, cut down to what actually reads as a barrier.
 */

export const INCLUSIVE_CATEGORIES = ['gendered', 'age', 'ability', 'origin', 'culture', 'jargon'] as const;
export type InclusiveCategory = (typeof INCLUSIVE_CATEGORIES)[number];

export interface WordRule {
	/** Lower-case words or phrases; a trailing `*` matches any ending (`dominan*`). */
	terms: string[];
	category: InclusiveCategory;
	alternatives: string[];
	why: string;
	/** Phrases in which a term is harmless ("competitive salary"); a match inside one is not flagged. */
	except?: string[];
}

export const INCLUSIVE_RULES: WordRule[] = [
	{
		terms: ['he', 'him', 'his', 'himself', 'she', 'her', 'hers', 'herself', 'he/she', 's/he', 'he or she'],
		category: 'gendered',
		alternatives: ['you', 'they', 'the candidate'],
		why: 'Address the reader ("you") or use "they"; gendered pronouns tell part of your audience the job is not for them.'
	},
	{
		terms: ['guys', 'manpower', 'man-hours', 'man hours', 'mankind', 'manned', 'workmanlike'],
		category: 'gendered',
		alternatives: ['everyone', 'team', 'staff', 'people', 'person-hours'],
		why: 'Masculine generic words read as "men wanted".'
	},
	{
		terms: [
			'chairman',
			'salesman',
			'salesmen',
			'foreman',
			'businessman',
			'craftsman',
			'cameraman',
			'repairman',
			'spokesman',
			'middleman',
			'waitress',
			'headmaster'
		],
		category: 'gendered',
		alternatives: ['chair', 'salesperson', 'supervisor', 'businessperson', 'artisan', 'spokesperson', 'server'],
		why: 'Gendered job titles exclude everyone else from the role.'
	},
	{
		terms: [
			'aggressive',
			'dominant',
			'dominate',
			'dominating',
			'ninja',
			'rockstar',
			'rock star',
			'guru',
			'superhero',
			'hacker mindset',
			'killer instinct',
			'fearless',
			'headstrong',
			'assertive',
			'ambitious',
			'competitive',
			'decisive',
			'driven',
			'ruthless',
			'outspoken',
			'champion'
		],
		category: 'gendered',
		alternatives: ['motivated', 'proactive', 'expert', 'skilled', 'confident', 'committed'],
		why: 'Masculine-coded words measurably lower how many women apply; describe the work instead.',
		except: ['competitive salary', 'competitive pay', 'competitive compensation', 'competitive package']
	},
	{
		terms: [
			'young',
			'youthful',
			'energetic young',
			'recent graduate',
			'recent graduates',
			'digital native',
			'digital natives',
			'fresh graduate',
			'young team',
			'young and dynamic'
		],
		category: 'age',
		alternatives: ['motivated', 'early-career (if truly required)', 'comfortable with digital tools', 'our team'],
		why: 'Age words discourage older applicants and can be unlawful age discrimination.'
	},
	{
		terms: ['overqualified', 'mature', 'seasoned veteran', 'years young'],
		category: 'age',
		alternatives: ['experienced', 'skilled'],
		why: 'Words that stand for age discourage applicants of other ages.',
		except: ['mature codebase', 'mature product', 'mature processes', 'mature technology']
	},
	{
		terms: [
			'able-bodied',
			'must be able to stand',
			'must be able to lift',
			'must be able to walk',
			'physically fit',
			'must have a driving licence',
			'must have a driver’s license',
			'must have a drivers license',
			'sane',
			'crazy',
			'insane',
			'lame',
			'blind spot',
			'tone deaf',
			'tone-deaf'
		],
		category: 'ability',
		alternatives: [
			'able to move equipment up to 20 kg (with or without accommodation)',
			'able to travel to customer sites',
			'unexpected',
			'gap',
			'out of touch'
		],
		why: 'State the actual task, not a body or a health condition; ableist idioms alienate disabled readers.'
	},
	{
		terms: [
			'native english',
			'native english speaker',
			'native speaker',
			'native german',
			'mother tongue',
			'mother-tongue',
			'local candidates only',
			'citizens only'
		],
		category: 'origin',
		alternatives: [
			'fluent English (C1)',
			'fluent in German',
			'business-level proficiency',
			'right to work in the country'
		],
		why: 'Ask for the level of language you need, not where someone learnt it; origin gates exclude capable people.'
	},
	{
		terms: [
			'culture fit',
			'cultural fit',
			'fit in',
			'work hard play hard',
			'work hard, play hard',
			'beer',
			'ping pong',
			'like a family'
		],
		category: 'culture',
		alternatives: ['culture add', 'shares our values (name them)', 'collaborative team'],
		why: '"Fit" and party perks favour people like the current team and signal long hours.'
	},
	{
		terms: [
			'crush it',
			'wizard',
			'jedi',
			'unicorn',
			'hit the ground running',
			'work under pressure',
			'fast-paced',
			'fast paced'
		],
		category: 'jargon',
		alternatives: ['expert', 'start contributing in the first weeks', 'handle changing priorities'],
		why: 'Insider jargon and pressure language put off people who do not already feel they belong.'
	}
];

export interface InclusiveFlag {
	/** The words as written in the text. */
	text: string;
	start: number;
	end: number;
	category: InclusiveCategory;
	alternatives: string[];
	why: string;
}

function escapeRegExp(text: string): string {
	return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

function alternation(terms: string[]): string {
	return [...terms]
		.sort((a, b) => b.length - a.length)
		.map((t) => (t.endsWith('*') ? `${escapeRegExp(t.slice(0, -1))}\\p{L}*` : escapeRegExp(t)).replace(/ /g, '\\s+'))
		.join('|');
}

/** Whole words only: a letter or digit on either side, or a hyphen joining it to another word,
 * means the term is part of a longer word ("whether", "data-driven"), which is not flagged. */
function wordPattern(terms: string[]): RegExp {
	return new RegExp(`(?<![\\p{L}\\p{N}-])(?:${alternation(terms)})(?![\\p{L}\\p{N}]|-\\p{L})`, 'giu');
}

const COMPILED = INCLUSIVE_RULES.map((rule) => ({
	rule,
	pattern: wordPattern(rule.terms),
	except: rule.except?.length ? wordPattern(rule.except) : null
}));

function exceptionSpans(pattern: RegExp | null, text: string): Array<[number, number]> {
	if (!pattern) return [];
	const spans: Array<[number, number]> = [];
	pattern.lastIndex = 0;
	for (let m = pattern.exec(text); m; m = pattern.exec(text)) spans.push([m.index, m.index + m[0].length]);
	return spans;
}

/** Every flagged word or phrase in `text`, in order, longest match first where they overlap. */
export function findExclusiveWording(text: string): InclusiveFlag[] {
	const flags: InclusiveFlag[] = [];
	for (const { rule, pattern, except } of COMPILED) {
		const harmless = exceptionSpans(except, text);
		pattern.lastIndex = 0;
		for (let m = pattern.exec(text); m; m = pattern.exec(text)) {
			const start = m.index;
			const end = start + m[0].length;
			if (harmless.some(([s, e]) => start >= s && end <= e)) continue;
			flags.push({ text: m[0], start, end, category: rule.category, alternatives: rule.alternatives, why: rule.why });
		}
	}
	flags.sort((a, b) => a.start - b.start || b.end - b.start - (a.end - a.start));
	const kept: InclusiveFlag[] = [];
	for (const flag of flags) {
		const last = kept[kept.length - 1];
		if (last && flag.start < last.end) continue;
		kept.push(flag);
	}
	return kept;
}
