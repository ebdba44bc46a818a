import * as Y from 'yjs';
import type { Recommendation, TemplateSection } from '../domain/interviews';
import { RECOMMENDATIONS } from '../domain/interviews';

/**
 * `scorecard:<interviewId>:<userId>` — one interviewer's scorecard: a rating (1–4) and free-text
 * evidence per competency, the overall recommendation and a summary. Only that interviewer
 * writes it; the sync server shows it to others only once it is submitted (and to other
 * panelists only once they submitted theirs). Evidence and summary are Y.Text so edits from
 * two devices (or offline) merge.
 */
export const RATINGS = 'ratings';
export const EVIDENCE = 'evidence';
export const META = 'meta';
export const SUMMARY = 'summary';

export interface ScorecardValues {
	ratings: Record<string, { rating: number; evidence: string }>;
	recommendation: Recommendation | null;
	summary: string;
}

export function ratingsMap(doc: Y.Doc): Y.Map<number> {
	return doc.getMap<number>(RATINGS);
}

/** The evidence text of one competency (created on first use). */
export function evidenceText(doc: Y.Doc, key: string): Y.Text {
	const map = doc.getMap<Y.Text>(EVIDENCE);
	let text = map.get(key);
	if (!(text instanceof Y.Text)) {
		text = new Y.Text();
		map.set(key, text);
	}
	return text;
}

export function setRating(doc: Y.Doc, key: string, rating: number | null): void {
	if (rating === null) ratingsMap(doc).delete(key);
	else ratingsMap(doc).set(key, rating);
}

export function setRecommendation(doc: Y.Doc, value: Recommendation | null): void {
	if (value === null) doc.getMap(META).delete('recommendation');
	else doc.getMap(META).set('recommendation', value);
}

/** What the document holds now, as plain values. */
export function readScorecard(doc: Y.Doc): ScorecardValues {
	const ratings: ScorecardValues['ratings'] = {};
	const evidence = doc.getMap<Y.Text>(EVIDENCE);
	for (const [key, rating] of ratingsMap(doc).entries()) {
		if (typeof rating !== 'number') continue;
		const text = evidence.get(key);
		ratings[key] = { rating, evidence: text instanceof Y.Text ? text.toString() : '' };
	}
	for (const [key, text] of evidence.entries()) {
		if (!ratings[key] && text instanceof Y.Text && text.length > 0)
			ratings[key] = { rating: 0, evidence: text.toString() };
	}
	const raw = doc.getMap(META).get('recommendation');
	const recommendation =
		typeof raw === 'string' && (RECOMMENDATIONS as readonly string[]).includes(raw) ? (raw as Recommendation) : null;
	return { ratings, recommendation, summary: doc.getText(SUMMARY).toString() };
}

/** Competencies still without a valid rating, and whether a recommendation is missing. */
export function missingParts(values: ScorecardValues, sections: TemplateSection[], scale: number[] = [1, 2, 3, 4]) {
	const unrated = sections
		.flatMap((s) => s.competencies)
		.filter((c) => !scale.includes(values.ratings[c.key]?.rating ?? 0))
		.map((c) => c.key);
	return { unrated, recommendation: values.recommendation === null };
}
