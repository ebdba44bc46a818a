import { normalizeLinkedIn } from '../../domain/normalize';
import { TITLE_SYNONYMS } from '../../domain/skills';

/**
 * LinkedIn X-ray search: the Google query that finds public LinkedIn profiles for a requirement,
 * and the parsing of what Custom Search answers into a name, headline, location and profile URL.
 * Pure functions: no database, no network.
 */

export interface XrayRequirement {
	title: string;
	mustHaveSkills: string[];
	locationCity: string | null;
	locationCountry: string | null;
	remotePolicy: string;
}

/** Words that mark pages other than one person's profile (job posts, directories). */
export const DEFAULT_EXCLUSIONS = ['jobs', 'hiring'];

const MAX_TITLE_VARIANTS = 4;
const MAX_SKILLS = 5;

function quote(term: string): string {
	return `"${term.replace(/"/g, '').trim()}"`;
}

function capitalise(word: string, like: string): string {
	if (like.length > 1 && like === like.toUpperCase()) return word.toUpperCase();
	return /^[A-Z]/.test(like) ? word.charAt(0).toUpperCase() + word.slice(1) : word;
}

/**
 * The title as written plus variants where one word is swapped for a synonym
 * ("Backend Engineer" → "Backend Developer", "Back-end Engineer"), and without a seniority word.
 */
export function titleVariants(title: string): string[] {
	const clean = title.replace(/\s+/g, ' ').trim();
	const variants = [clean];
	const add = (v: string) => {
		if (v && !variants.some((x) => x.toLowerCase() === v.toLowerCase())) variants.push(v);
	};
	const words = clean.split(' ');
	// From the last word (the role's noun: engineer → developer) to the first; spellings with a
	// hyphen or space are left out, Google matches those already.
	for (let i = words.length - 1; i >= 0; i--) {
		const word = words[i].toLowerCase();
		const group = TITLE_SYNONYMS.find((g) => g.includes(word));
		if (!group) continue;
		for (const synonym of group) {
			if (synonym === word || synonym.length < 4 || /[\s/-]/.test(synonym)) continue;
			add([...words.slice(0, i), capitalise(synonym, words[i]), ...words.slice(i + 1)].join(' '));
		}
	}
	const withoutSeniority = words.filter((w) => !/^(senior|sr\.?|junior|jr\.?|lead|principal|staff)$/i.test(w));
	const shorter = withoutSeniority.length && withoutSeniority.length < words.length ? [withoutSeniority.join(' ')] : [];
	return [...variants.slice(0, MAX_TITLE_VARIANTS - shorter.length), ...shorter];
}

/** Builds `site:linkedin.com/in ("title" OR …) "skill" … "city" -exclusion …`. */
export function buildXrayQuery(r: XrayRequirement, exclude: string[] = []): string {
	const parts = ['site:linkedin.com/in'];
	const titles = titleVariants(r.title);
	parts.push(titles.length > 1 ? `(${titles.map(quote).join(' OR ')})` : quote(titles[0]));
	for (const skill of r.mustHaveSkills.slice(0, MAX_SKILLS)) parts.push(quote(skill));
	if (r.locationCity && r.remotePolicy !== 'remote') parts.push(quote(r.locationCity));
	const exclusions = [...new Set([...DEFAULT_EXCLUSIONS, ...exclude].map((e) => e.trim().toLowerCase()))];
	for (const e of exclusions) if (e) parts.push(`-${e.includes(' ') ? quote(e) : e.replace(/^-+/, '')}`);
	return parts.join(' ');
}

/** One item of a Custom Search answer (the fields we read). */
export interface CseItem {
	title?: string;
	link?: string;
	snippet?: string;
	pagemap?: { metatags?: Array<Record<string, string>>; person?: Array<Record<string, string>> };
}

export interface XrayProfile {
	name: string;
	headline: string | null;
	location: string | null;
	profileUrl: string;
	/** The normalised LinkedIn URL (linkedin.com/in/<slug>), the de-duplication key. */
	externalKey: string;
}

function clean(text: string | undefined | null): string | null {
	const t = (text ?? '').replace(/\s+/g, ' ').trim();
	return t ? t : null;
}

/**
 * A profile from a result: the name and headline from the title ("Jane Doe - Senior Engineer -
 * Acme | LinkedIn") or the page's metatags, the location from the snippet ("Location: Berlin")
 * or the metatags. Null for results that are not a person's profile.
 */
export function parseXrayItem(item: CseItem): XrayProfile | null {
	if (!item.link) return null;
	const externalKey = normalizeLinkedIn(item.link);
	if (!externalKey) return null;
	const meta = item.pagemap?.metatags?.[0] ?? {};
	const title = clean(meta['og:title']) ?? clean(item.title) ?? '';
	const segments = title
		.replace(/\s*[|–-]\s*LinkedIn\s*$/i, '')
		.replace(/\s*\.\.\.\s*$/, '')
		.split(/\s+[-–—|]\s+/)
		.map((s) => s.trim())
		.filter(Boolean);
	const metaName = clean([meta['profile:first_name'], meta['profile:last_name']].filter(Boolean).join(' '));
	const name = metaName ?? segments[0];
	if (!name) return null;
	const headline = clean(segments.slice(1).join(' - ')) ?? clean(item.pagemap?.person?.[0]?.role);
	const description = `${item.snippet ?? ''} ${meta['og:description'] ?? ''}`;
	const located = /Location:\s*([^·\n|]+?)(?:\s*·|\s*\||\s*\d+\+? connections|\.\s|$)/i.exec(description);
	const location =
		clean(located?.[1]) ??
		clean(meta['profile:location']) ??
		clean(meta.locality) ??
		clean(item.pagemap?.person?.[0]?.location);
	return {
		name: name.slice(0, 200),
		headline: headline ? headline.slice(0, 300) : null,
		location: location ? location.slice(0, 200) : null,
		profileUrl: `https://www.${externalKey}`,
		externalKey
	};
}
