import * as Y from 'yjs';
import type { Recommendation } from '../domain/interviews';
import type { ServerNotice } from './limits';
import { documentNames } from './names';
import { openDocument, type OpenedDocument } from './provider';
import { EVIDENCE, evidenceText, readScorecard, ratingsMap, setRating, setRecommendation, SUMMARY } from './scorecard';

/** Applies the change from `before` to `after` to a Y.Text as one delete and one insert. */
export function applyTextChange(text: Y.Text, after: string): void {
	const before = text.toString();
	if (before === after) return;
	let start = 0;
	const shortest = Math.min(before.length, after.length);
	while (start < shortest && before[start] === after[start]) start++;
	let endBefore = before.length;
	let endAfter = after.length;
	while (endBefore > start && endAfter > start && before[endBefore - 1] === after[endAfter - 1]) {
		endBefore--;
		endAfter--;
	}
	text.doc?.transact(() => {
		if (endBefore > start) text.delete(start, endBefore - start);
		if (endAfter > start) text.insert(start, after.slice(start, endAfter));
	});
}

/**
 * My scorecard (`scorecard:<interviewId>:<userId>`) as reactive state for a form: every change
 * of the document — mine, or from my other device — shows at once; every edit in the form is
 * written to the document. Browser only; call `destroy()` when the form goes away.
 */
export class LiveScorecard {
	ratings = $state<Record<string, number>>({});
	evidence = $state<Record<string, string>>({});
	recommendation = $state<Recommendation | null>(null);
	summary = $state('');
	status = $state('connecting');
	synced = $state(false);
	/** This browser's stored copy has loaded (offline: it can be edited and merges on reconnect). */
	localReady = $state(false);
	/** The server connected this document read-only (a cancelled interview). */
	readOnly = $state(false);
	notice = $state<ServerNotice | null>(null);

	readonly name: string;
	#opened: OpenedDocument;

	constructor(interviewId: string, userId: string) {
		this.name = documentNames.scorecard(interviewId, userId);
		this.#opened = openDocument(this.name, {
			onStatus: (s) => (this.status = s),
			onSynced: () => {
				this.synced = true;
				this.#refresh();
			},
			onNotice: (n) => (this.notice = n)
		});
		this.#opened.provider.on('authenticated', ({ scope }: { scope: string }) => {
			this.readOnly = scope === 'readonly';
		});
		this.#opened.doc.on('update', this.#refresh);
		void this.#opened.local?.persistence.whenSynced.then(() => {
			this.localReady = true;
			this.#refresh();
		});
	}

	#refresh = () => {
		const values = readScorecard(this.#opened.doc);
		const ratings: Record<string, number> = {};
		const evidence: Record<string, string> = {};
		for (const [key, entry] of Object.entries(values.ratings)) {
			if (entry.rating > 0) ratings[key] = entry.rating;
			evidence[key] = entry.evidence;
		}
		this.ratings = ratings;
		this.evidence = evidence;
		this.recommendation = values.recommendation;
		this.summary = values.summary;
	};

	get live(): boolean {
		return this.status === 'connected' && this.synced;
	}

	/**
	 * Ratings can be changed: live, or — with no network — on the stored copy (the offline
	 * interview kit syncs it ahead); the sync server still checks the write when it arrives.
	 */
	get editable(): boolean {
		return this.live || this.localReady;
	}

	/** Nothing typed here is still waiting to reach the server. */
	get saved(): boolean {
		return this.live && !this.#opened.provider.hasUnsyncedChanges;
	}

	setRating(key: string, rating: number | null): void {
		if (this.readOnly) return;
		setRating(this.#opened.doc, key, rating);
	}

	setEvidence(key: string, value: string): void {
		if (this.readOnly) return;
		const existing = this.#opened.doc.getMap<Y.Text>(EVIDENCE).get(key);
		if (!(existing instanceof Y.Text) && value === '') return;
		applyTextChange(evidenceText(this.#opened.doc, key), value);
	}

	setRecommendation(value: Recommendation | null): void {
		if (this.readOnly) return;
		setRecommendation(this.#opened.doc, value);
	}

	setSummary(value: string): void {
		if (this.readOnly) return;
		applyTextChange(this.#opened.doc.getText(SUMMARY), value);
	}

	/** The scorecard as the submit endpoint takes it: only rated competencies, with evidence. */
	submission() {
		const values = readScorecard(this.#opened.doc);
		const rated = ratingsMap(this.#opened.doc);
		const ratings: Record<string, { rating: number; evidence: string }> = {};
		for (const [key, entry] of Object.entries(values.ratings)) {
			if (typeof rated.get(key) === 'number' && entry.rating >= 1 && entry.rating <= 4) ratings[key] = entry;
		}
		return { ratings, recommendation: values.recommendation, summary: values.summary || null };
	}

	/** Waits (up to `timeoutMs`) until every local edit reached the server. */
	async flushed(timeoutMs = 5_000): Promise<boolean> {
		const deadline = Date.now() + timeoutMs;
		while (this.#opened.provider.hasUnsyncedChanges && Date.now() < deadline) {
			await new Promise((resolve) => setTimeout(resolve, 50));
		}
		return !this.#opened.provider.hasUnsyncedChanges;
	}

	destroy(): void {
		this.#opened.doc.off('update', this.#refresh);
		this.#opened.destroy();
	}
}
