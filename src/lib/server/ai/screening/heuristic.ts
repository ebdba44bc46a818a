import { SENIORITY_WORDS, skillAliases, TITLE_SYNONYMS } from '../../../domain/skills';
import type { ScreeningDecision, ScreeningResult } from './result';

/**
 * The deterministic CV screening used without Gemini (or when it fails): skills and keywords
 * matched with their synonyms, years of experience read from the CV's date ranges and
 * statements, and how close the candidate's titles are to the role's. Every "met" comes with the
 * CV line that shows it. Built once per requirement (`RequirementMatcher`), then cheap per CV.
 */

export interface ScreeningRequirement {
	title: string;
	level: string | null;
	mustHave: string[];
	niceToHave: string[];
	description: string;
}

export interface ScreeningCandidate {
	cvText: string;
	currentTitle: string | null;
}

const WEIGHTS = { must: 45, nice: 10, experience: 20, title: 15, keywords: 10 } as const;

const MONTHS: Record<string, number> = {
	jan: 0,
	feb: 1,
	mar: 2,
	apr: 3,
	may: 4,
	jun: 5,
	jul: 6,
	aug: 7,
	sep: 8,
	oct: 9,
	nov: 10,
	dec: 11,
	// German CVs
	jän: 0,
	mär: 2,
	mai: 4,
	okt: 9,
	dez: 11
};

const MONTH = '(jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec|jän|mär|mai|okt|dez)[a-zäöü]*\\.?';
const DATE = `(?:${MONTH}\\s+(\\d{4})|(\\d{1,2})[/.](\\d{4})|(\\d{4}))`;
const OPEN_END = '(present|current|now|today|ongoing|heute|aktuell|date)';
const RANGE = new RegExp(`${DATE}\\s*(?:-|–|—|to|until|till|bis)\\s*(?:${DATE}|${OPEN_END})`, 'giu');
const EXPLICIT_YEARS =
	/(\d{1,2})(?:\.\d)?\s*\+?\s*(?:years?|yrs?|jahre)'?(?:\s+of)?(?:\s+(?:professional|industry|relevant|hands-on|commercial|practical|work))?\s+(?:experience|exp\b|berufserfahrung)/giu;
const REQUIRED_YEARS = /(?:at least|minimum(?: of)?|min\.?|over)?\s*(\d{1,2})\s*\+?\s*(?:years?|yrs?)\b/iu;
const EDUCATION =
	/\b(universit|college|school|bachelor|master|b\.?sc|m\.?sc|b\.?a\.|m\.?a\.|phd|ph\.d|degree|diploma|studies|studium|hochschule|gymnasium|abitur|education)/iu;

const STOPWORDS = new Set(
	`a about above across after again against all also am an and any are as at be because been before being below
between both but by can could did do does doing down during each either else etc even every few for from further
get gets had has have having he her here hers him his how i if in into is it its just least less like may me might
more most much must my near need no nor not now of off often on once one only or other our ours out over own per
please rather same shall she should so some such than that the their theirs them then there these they this those
through to too under until up upon us use used using very via was we well were what when where whether which while
who whom whose why will with within without would yet you your yours role team work working join joining looking
seeking candidate candidates position company experience experienced years year strong good great excellent
ability able skills skill knowledge understanding familiarity plus bonus nice including include includes new
opportunity opportunities responsibilities responsibility requirements required requirement preferred apply
job jobs help helping make making build building across environment within day days based offer offers benefits`.split(
		/\s+/
	)
);

/** Compiled regular expressions for a set of aliases: lower-case ones and case-sensitive ones. */
interface AliasPattern {
	lower: RegExp | null;
	exact: RegExp | null;
}

/** A compiled matcher for one skill: what fully meets it, and what partly does. */
interface SkillMatcher {
	skill: string;
	full: AliasPattern;
	related: AliasPattern;
}

function escapeRegExp(text: string): string {
	return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

function compileAliases(aliases: string[]): AliasPattern {
	const lower = aliases.filter((a) => !a.startsWith('=')).map((a) => escapeRegExp(a.toLowerCase()));
	const exact = aliases.filter((a) => a.startsWith('=')).map((a) => escapeRegExp(a.slice(1)));
	// A skill is a whole word: "java" is not found in "javascript", "c++" not in "c+++".
	const wrap = (parts: string[]) =>
		parts.length
			? new RegExp(
					`(?<![\\p{L}\\p{N}+#])(?:${parts.sort((a, b) => b.length - a.length).join('|')})(?![\\p{L}\\p{N}+#])`,
					'u'
				)
			: null;
	return { lower: wrap(lower), exact: wrap(exact) };
}

function compileSkill(skill: string): SkillMatcher {
	const { full, related } = skillAliases(skill);
	return { skill, full: compileAliases(full), related: compileAliases(related) };
}

/** Where in the CV one of the aliases appears (index into the CV text), or -1. */
function findAliases(pattern: AliasPattern, lowerText: string, text: string): number {
	const a = pattern.lower ? lowerText.search(pattern.lower) : -1;
	const b = pattern.exact ? text.search(pattern.exact) : -1;
	if (a < 0) return b;
	if (b < 0) return a;
	return Math.min(a, b);
}

/** The CV line around `index`, as written (a quotation), at most ~220 characters. */
export function quoteAround(text: string, index: number, length = 0): string {
	let start = text.lastIndexOf('\n', index) + 1;
	let end = text.indexOf('\n', index + length);
	if (end < 0) end = text.length;
	if (end - start > 220) {
		// A long line (a paragraph): cut at sentence boundaries around the match.
		const before = text.slice(Math.max(start, index - 110), index);
		const sentenceStart = Math.max(before.lastIndexOf('. '), before.lastIndexOf('; '));
		start = sentenceStart >= 0 ? index - before.length + sentenceStart + 2 : Math.max(start, index - 110);
		const after = text.slice(index, Math.min(end, index + length + 110));
		const sentenceEnd = after.search(/[.;](\s|$)/);
		end = sentenceEnd >= 0 && sentenceEnd >= length ? index + sentenceEnd + 1 : Math.min(end, index + length + 110);
	}
	return text.slice(start, end).trim();
}

/** Title words: synonyms folded into one token per group, seniority and filler words dropped. */
const TITLE_PHRASE_GROUP = new Map<string, number>();
TITLE_SYNONYMS.forEach((group, i) => group.forEach((phrase) => TITLE_PHRASE_GROUP.set(phrase, i)));
const TITLE_PHRASES = new RegExp(
	`(?<![\\p{L}\\p{N}])(?:${[...TITLE_PHRASE_GROUP.keys()]
		.sort((a, b) => b.length - a.length)
		.map(escapeRegExp)
		.join('|')})(?![\\p{L}\\p{N}])`,
	'gu'
);
const GROUP_TOKEN = /^grp\d+$/;

const TITLE_FILLER = new Set(['of', 'and', 'the', 'for', 'in', 'at', 'to', 'm', 'f', 'd', 'w', 'x', 'mwd', 'fmd']);

export function titleTokens(title: string): Set<string> {
	const text = title.toLowerCase().replace(TITLE_PHRASES, (phrase) => ` grp${TITLE_PHRASE_GROUP.get(phrase)} `);
	const tokens = text
		.split(/[^\p{L}\p{N}#+]+/u)
		.filter((t) => t.length > 0 && !TITLE_FILLER.has(t) && !(t in SENIORITY_WORDS));
	return new Set(tokens);
}

/** Dice similarity of two titles' tokens (0–1). */
export function titleSimilarity(a: Set<string>, b: Set<string>): number {
	if (a.size === 0 || b.size === 0) return 0;
	let common = 0;
	for (const t of a) if (b.has(t)) common++;
	return (2 * common) / (a.size + b.size);
}

/** Years a seniority word in the title or level implies, or null. */
export function impliedYears(...texts: Array<string | null | undefined>): number | null {
	let best: number | null = null;
	for (const text of texts) {
		if (!text) continue;
		for (const word of text.toLowerCase().split(/[^\p{L}]+/u)) {
			const years = SENIORITY_WORDS[word];
			if (years !== undefined) best = Math.max(best ?? 0, years);
		}
	}
	return best;
}

interface Interval {
	start: number;
	end: number;
	line: string;
}

function monthOf(match: string[], offset: number, fallbackMonth: number): number | null {
	const [monthName, yearA, monthNumber, yearB, yearOnly] = match.slice(offset, offset + 5);
	let year: number;
	let month: number;
	if (yearA) {
		year = Number(yearA);
		month = MONTHS[monthName.toLowerCase().slice(0, 3)] ?? MONTHS[monthName.toLowerCase()] ?? fallbackMonth;
	} else if (yearB) {
		year = Number(yearB);
		month = Math.min(11, Math.max(0, Number(monthNumber) - 1));
	} else if (yearOnly) {
		year = Number(yearOnly);
		month = fallbackMonth;
	} else return null;
	return year * 12 + month;
}

const SECTION_HEADING =
	/^(?:education|academic|ausbildung|studium|schulbildung|qualifications|certifications?|courses|training|languages?|sprachen|skills|kenntnisse|experience|work history|work experience|employment|professional experience|career|berufserfahrung|projects?|summary|profile|about me|about|interests|hobbies|references|volunteering)\b[\s:]*$/i;
const EDUCATION_HEADING =
	/^(?:education|academic|ausbildung|studium|schulbildung|qualifications|certifications?|courses|training)\b/i;

/** For each line start offset: whether the line sits in an education section of the CV. */
function educationRanges(text: string): Array<[number, number]> {
	const ranges: Array<[number, number]> = [];
	let offset = 0;
	let inEducation: number | null = null;
	for (const line of text.split('\n')) {
		const trimmed = line.trim();
		if (trimmed.length <= 40 && SECTION_HEADING.test(trimmed)) {
			if (inEducation !== null) ranges.push([inEducation, offset]);
			inEducation = EDUCATION_HEADING.test(trimmed) ? offset : null;
		}
		offset += line.length + 1;
	}
	if (inEducation !== null) ranges.push([inEducation, text.length]);
	return ranges;
}

/** Employment periods found in the CV (education sections and lines left out). */
export function employmentIntervals(text: string, now = new Date()): Interval[] {
	const nowMonth = now.getUTCFullYear() * 12 + now.getUTCMonth();
	const out: Interval[] = [];
	const education = educationRanges(text);
	RANGE.lastIndex = 0;
	for (let m = RANGE.exec(text); m; m = RANGE.exec(text)) {
		const at = m.index;
		if (education.some(([from, to]) => at >= from && at < to)) continue;
		const line = quoteAround(text, m.index, m[0].length);
		if (EDUCATION.test(line)) continue;
		const start = monthOf(m, 1, 0);
		const end = m[11] ? nowMonth : monthOf(m, 6, 11);
		if (start === null || end === null) continue;
		if (start < 1960 * 12 || end > nowMonth + 12 || end < start || end - start > 50 * 12) continue;
		out.push({ start, end: Math.min(end, nowMonth), line });
	}
	return out;
}

function mergeIntervals(intervals: Interval[]): Interval[] {
	const sorted = [...intervals].sort((a, b) => a.start - b.start);
	const merged: Interval[] = [];
	for (const i of sorted) {
		const last = merged[merged.length - 1];
		if (last && i.start <= last.end + 1) last.end = Math.max(last.end, i.end);
		else merged.push({ ...i });
	}
	return merged;
}

function formatMonth(month: number): string {
	return `${['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'][month % 12]} ${Math.floor(month / 12)}`;
}

export interface Experience {
	years: number | null;
	evidence: string | null;
	gaps: string[];
	shortStints: number;
}

/** Years of experience: the larger of what the CV states and what its date ranges add up to. */
export function readExperience(text: string, now = new Date()): Experience {
	let stated = 0;
	let statedEvidence: string | null = null;
	EXPLICIT_YEARS.lastIndex = 0;
	for (let m = EXPLICIT_YEARS.exec(text); m; m = EXPLICIT_YEARS.exec(text)) {
		const years = Number(m[1]);
		if (years > stated && years <= 50) {
			stated = years;
			statedEvidence = quoteAround(text, m.index, m[0].length);
		}
	}
	const intervals = employmentIntervals(text, now);
	const merged = mergeIntervals(intervals);
	const months = merged.reduce((sum, i) => sum + (i.end - i.start + 1), 0);
	const fromDates = Math.round((months / 12) * 10) / 10;
	const gaps: string[] = [];
	for (let i = 1; i < merged.length; i++) {
		const gap = merged[i].start - merged[i - 1].end - 1;
		if (gap >= 12)
			gaps.push(`A gap of ${gap} months between ${formatMonth(merged[i - 1].end)} and ${formatMonth(merged[i].start)}`);
	}
	const nowMonth = now.getUTCFullYear() * 12 + now.getUTCMonth();
	const shortStints = intervals.filter((i) => i.end - i.start + 1 < 10 && i.end < nowMonth - 1).length;
	if (stated === 0 && intervals.length === 0) return { years: null, evidence: null, gaps, shortStints };
	const years = Math.max(stated, fromDates);
	const evidence =
		stated >= fromDates && statedEvidence
			? statedEvidence
			: intervals
					.slice(0, 3)
					.map((i) => i.line)
					.join(' / ');
	return { years, evidence, gaps, shortStints };
}

/** Stem-ish form for keyword comparison ("deploying" ~ "deployment" ~ "deploys"). */
function stem(word: string): string {
	return word.replace(/(ments|ment|ings|ing|ers|er|ies|es|ed|s)$/u, '').slice(0, 8);
}

/** The significant words of a description, most frequent first. */
export function descriptionKeywords(description: string, exclude: Set<string>, limit = 12): string[] {
	const counts = new Map<string, number>();
	for (const word of description.toLowerCase().split(/[^\p{L}\p{N}#+.]+/u)) {
		const w = word.replace(/^\.+|\.+$/g, '');
		if (w.length < 4 || STOPWORDS.has(w) || /^\d+$/.test(w) || exclude.has(w)) continue;
		counts.set(w, (counts.get(w) ?? 0) + 1);
	}
	return [...counts.entries()]
		.sort((a, b) => b[1] - a[1] || b[0].length - a[0].length || a[0].localeCompare(b[0]))
		.slice(0, limit)
		.map(([w]) => w);
}

type Met = 'yes' | 'partial' | 'no';

/** One requirement, compiled for screening many CVs against it. */
export class RequirementMatcher {
	private readonly must: SkillMatcher[];
	private readonly nice: SkillMatcher[];
	private readonly titleTokens: Set<string>;
	private readonly titleWords: string[];
	readonly requiredYears: number | null;
	private readonly keywords: Array<{ word: string; stem: string }>;

	constructor(readonly requirement: ScreeningRequirement) {
		const clean = (skills: string[]) => [...new Set(skills.map((s) => s.trim()).filter(Boolean))];
		this.must = clean(requirement.mustHave).map(compileSkill);
		this.nice = clean(requirement.niceToHave).map(compileSkill);
		this.titleTokens = titleTokens(requirement.title);
		this.titleWords = [...this.titleTokens].filter((t) => !GROUP_TOKEN.test(t));
		const stated = REQUIRED_YEARS.exec(requirement.description);
		this.requiredYears = stated ? Number(stated[1]) : impliedYears(requirement.level, requirement.title);
		const skillWords = new Set(
			[...requirement.mustHave, ...requirement.niceToHave].flatMap((s) => s.toLowerCase().split(/\s+/))
		);
		for (const t of requirement.title.toLowerCase().split(/[^\p{L}]+/u)) skillWords.add(t);
		this.keywords = descriptionKeywords(requirement.description, skillWords).map((word) => ({
			word,
			stem: stem(word)
		}));
	}

	/** Screens one CV: score, advisory decision and the evidence for each requirement. */
	screen(candidate: ScreeningCandidate, now = new Date()): ScreeningResult {
		const text = candidate.cvText ?? '';
		if (text.trim().length === 0) return this.noCv();
		const lower = text.toLowerCase();
		const requirements: ScreeningResult['requirements'] = [];
		const strengths: string[] = [];
		const gaps: string[] = [];
		const redFlags: string[] = [];
		const parts: Array<{ weight: number; value: number }> = [];

		const checkSkills = (matchers: SkillMatcher[], kind: 'must_have' | 'nice_to_have') => {
			const found: string[] = [];
			const related: string[] = [];
			const missing: string[] = [];
			let credit = 0;
			for (const m of matchers) {
				const at = findAliases(m.full, lower, text);
				if (at >= 0) {
					found.push(m.skill);
					credit += 1;
					requirements.push({ requirement: m.skill, kind, met: 'yes', evidence: quoteAround(text, at) });
					continue;
				}
				const near = findAliases(m.related, lower, text);
				if (near >= 0) {
					related.push(m.skill);
					credit += 0.5;
					requirements.push({ requirement: m.skill, kind, met: 'partial', evidence: quoteAround(text, near) });
					continue;
				}
				missing.push(m.skill);
				requirements.push({ requirement: m.skill, kind, met: 'no', evidence: null });
			}
			return { found, related, missing, coverage: matchers.length ? credit / matchers.length : 1 };
		};

		const must = checkSkills(this.must, 'must_have');
		const mustCoverage = must.coverage;
		if (this.must.length) {
			parts.push({ weight: WEIGHTS.must, value: mustCoverage });
			if (must.found.length === this.must.length)
				strengths.push(`Has every must-have skill (${must.found.join(', ')})`);
			else if (must.found.length) strengths.push(`Has must-have skills: ${must.found.join(', ')}`);
			for (const skill of must.related) gaps.push(`Related experience only for the must-have skill ${skill}`);
			for (const skill of must.missing) gaps.push(`No sign of the must-have skill ${skill}`);
		}
		const nice = checkSkills(this.nice, 'nice_to_have');
		if (this.nice.length) {
			parts.push({ weight: WEIGHTS.nice, value: nice.coverage });
			if (nice.found.length) strengths.push(`Also brings ${nice.found.join(', ')} (nice to have)`);
		}

		const experience = readExperience(text, now);
		if (this.requiredYears !== null) {
			const required = this.requiredYears;
			let value: number;
			let met: Met;
			if (experience.years === null) {
				value = 0.3;
				met = 'partial';
				gaps.push('No dates or stated years of experience found in the CV');
			} else {
				value = required === 0 ? 1 : Math.min(1, experience.years / required);
				met = experience.years >= required ? 'yes' : experience.years >= required * 0.6 ? 'partial' : 'no';
				if (experience.years >= required + 2)
					strengths.push(`About ${Math.floor(experience.years)} years of experience (${required}+ asked)`);
				else if (experience.years < required)
					gaps.push(`About ${Math.floor(experience.years)} years of experience, ${required} asked`);
			}
			parts.push({ weight: WEIGHTS.experience, value });
			requirements.push({
				requirement: `${required}+ years of experience`,
				kind: 'experience',
				met,
				evidence: experience.evidence
			});
		}
		redFlags.push(...experience.gaps);
		if (experience.shortStints >= 3)
			redFlags.push(`${experience.shortStints} positions that lasted less than 10 months`);

		const title = this.bestTitle(candidate, text);
		const titleMet: Met = title.similarity >= 0.75 ? 'yes' : title.similarity >= 0.4 ? 'partial' : 'no';
		parts.push({ weight: WEIGHTS.title, value: title.similarity });
		requirements.push({
			requirement: `Title close to "${this.requirement.title}"`,
			kind: 'title',
			met: titleMet,
			evidence: title.evidence
		});
		if (titleMet === 'yes') strengths.push(`Has worked as ${title.title}`);
		else if (titleMet === 'no') gaps.push(`No previous title close to "${this.requirement.title}"`);

		if (this.keywords.length) {
			const tokens = new Set<string>();
			for (const word of lower.split(/[^\p{L}\p{N}#+.]+/u)) {
				const w = word.replace(/^\.+|\.+$/g, '');
				if (w.length >= 3) tokens.add(stem(w));
			}
			const hits = this.keywords.filter((k) => tokens.has(k.stem));
			parts.push({ weight: WEIGHTS.keywords, value: hits.length / this.keywords.length });
			for (const k of this.keywords.slice(0, 6)) {
				const hit = hits.includes(k);
				const at = hit ? lower.search(new RegExp(`(?<![\\p{L}])${escapeRegExp(k.stem)}`, 'u')) : -1;
				requirements.push({
					requirement: k.word,
					kind: 'keyword',
					met: hit ? 'yes' : 'no',
					evidence: at >= 0 ? quoteAround(text, at) : null
				});
			}
		}

		if (text.trim().length < 300) redFlags.push('The CV text is very short; it may not have been read completely');
		const totalWeight = parts.reduce((s, p) => s + p.weight, 0);
		const score = Math.round((100 * parts.reduce((s, p) => s + p.weight * p.value, 0)) / totalWeight);
		const decision = decide(score, mustCoverage, this.must.length);
		return {
			score,
			decision,
			summary: this.summarise(must, experience.years, title),
			requirements,
			strengths: strengths.slice(0, 12),
			gaps: gaps.slice(0, 12),
			red_flags: redFlags.slice(0, 12),
			experience_years: experience.years
		};
	}

	private bestTitle(candidate: ScreeningCandidate, text: string) {
		let best = { similarity: 0, title: '', evidence: null as string | null };
		const consider = (title: string, evidence: string | null) => {
			const similarity = titleSimilarity(this.titleTokens, titleTokens(title));
			if (similarity > best.similarity) best = { similarity, title: title.trim(), evidence };
		};
		if (candidate.currentTitle) {
			const at = text.toLowerCase().indexOf(candidate.currentTitle.toLowerCase());
			consider(candidate.currentTitle, at >= 0 ? quoteAround(text, at) : null);
		}
		// Short lines of the CV that share a word with the role's title are its job titles.
		const groupTokens = [...this.titleTokens].filter((t) => GROUP_TOKEN.test(t));
		for (const line of text.split('\n')) {
			const trimmed = line.trim();
			if (trimmed.length < 3 || trimmed.length > 120) continue;
			const tokens = titleTokens(trimmed);
			if (![...this.titleWords, ...groupTokens].some((t) => tokens.has(t))) continue;
			consider(trimmed.split(/\s*[|·•,(]\s*|\s[-–—@]\s|\sat\s/)[0], trimmed);
			if (best.similarity >= 1) break;
		}
		return best;
	}

	private summarise(
		must: { found: string[]; related: string[]; missing: string[] },
		years: number | null,
		title: { similarity: number; title: string }
	): string {
		const parts: string[] = [];
		if (this.must.length) {
			parts.push(
				`Meets ${must.found.length} of ${this.must.length} must-have skills` +
					(must.missing.length ? ` (missing ${must.missing.join(', ')})` : '') +
					(must.related.length ? ` (related experience for ${must.related.join(', ')})` : '')
			);
		}
		if (years !== null)
			parts.push(
				`about ${Math.floor(years)} years of experience` +
					(this.requiredYears !== null ? ` (${this.requiredYears}+ asked)` : '')
			);
		if (title.similarity >= 0.4) parts.push(`has worked as ${title.title}`);
		const text = parts.join('; ');
		return (text.charAt(0).toUpperCase() + text.slice(1) || 'Screened by keywords') + '.';
	}

	private noCv(): ScreeningResult {
		return {
			score: 0,
			decision: 'hold',
			summary: 'There is no CV text to screen yet.',
			requirements: this.must.map((m) => ({
				requirement: m.skill,
				kind: 'must_have' as const,
				met: 'no' as const,
				evidence: null
			})),
			strengths: [],
			gaps: ['No CV text'],
			red_flags: ['No CV text: upload a CV (or wait for its text to be extracted) and screen again'],
			experience_years: null
		};
	}
}

/** The advisory decision: advance strong matches, reject clear misses, hold the rest. */
export function decide(score: number, mustCoverage: number, mustCount: number): ScreeningDecision {
	if (score >= 70 && mustCoverage >= 0.75) return 'advance';
	if (score < 40 || (mustCount >= 2 && mustCoverage < 0.34)) return 'reject';
	return 'hold';
}

/** Screens one CV against one requirement (compiles the requirement; reuse a matcher for many). */
export function screenHeuristically(requirement: ScreeningRequirement, candidate: ScreeningCandidate): ScreeningResult {
	return new RequirementMatcher(requirement).screen(candidate);
}
