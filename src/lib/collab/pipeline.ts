import { generateKeyBetween } from 'fractional-indexing';
import * as Y from 'yjs';
import type { PipelineStage } from '../domain/candidates';

/**
 * `pipeline:<requirementId>` — the live board. One entry per application in the `cards` map:
 * `{ stage, rank, rejectionReason? }`. Cards are ordered within a column by `rank`, a fractional
 * index (string), ties broken by application id, so two people reordering at once never
 * collide. The server writes the column list into `meta.stages`.
 *
 * Who may write: recruiters, the requirement's hiring manager, admins; everyone else with read
 * access watches read-only. Every change of a card's stage is validated by the sync server
 * (the same rule table as the API) and written to Postgres, or reverted in the document.
 */
export const CARDS = 'cards';
export const META = 'meta';

/** Origin of the changes the server itself makes to a board (reconcile, revert, mirror). */
export const BOARD_SERVER_ORIGIN = '__board_server__';

export interface CardState {
	stage: string;
	rank: string;
	rejectionReason?: string | null;
}

export function cardsMap(doc: Y.Doc): Y.Map<CardState> {
	return doc.getMap<CardState>(CARDS);
}

export function metaMap(doc: Y.Doc): Y.Map<unknown> {
	return doc.getMap(META);
}

export function readStages(doc: Y.Doc): PipelineStage[] {
	const stages = metaMap(doc).get('stages');
	return Array.isArray(stages) ? (stages as PipelineStage[]) : [];
}

export function isCardState(value: unknown): value is CardState {
	return (
		typeof value === 'object' &&
		value !== null &&
		typeof (value as CardState).stage === 'string' &&
		typeof (value as CardState).rank === 'string'
	);
}

/** All cards as a plain map (entries that are not valid card states are skipped). */
export function readCards(doc: Y.Doc): Map<string, CardState> {
	const out = new Map<string, CardState>();
	for (const [id, value] of cardsMap(doc).entries()) if (isCardState(value)) out.set(id, value);
	return out;
}

/** The card ids of one column, in board order. */
export function columnOrder(cards: Map<string, CardState>, stage: string): string[] {
	return [...cards.entries()]
		.filter(([, c]) => c.stage === stage)
		.sort(([ida, a], [idb, b]) => (a.rank < b.rank ? -1 : a.rank > b.rank ? 1 : ida < idb ? -1 : ida > idb ? 1 : 0))
		.map(([id]) => id);
}

/** Whether `rank` is a fractional index the board can place cards around. */
export function isValidRank(rank: string): boolean {
	if (rank.length === 0 || rank.length > 64) return false;
	try {
		generateKeyBetween(rank, null);
		return true;
	} catch {
		return false;
	}
}

/** A rank between two neighbours' ranks (null = column start/end). */
export function rankBetween(before: string | null, after: string | null): string {
	if (before !== null && after !== null && before >= after) {
		// Neighbours with equal ranks (a concurrent insert): go just after `before`.
		return generateKeyBetween(before, null);
	}
	return generateKeyBetween(before, after);
}

/**
 * Moves (or reorders) a card: into `stage`, at `index` in that column's order (default: end).
 * Returns the new state it wrote.
 */
export function moveCard(
	doc: Y.Doc,
	applicationId: string,
	stage: string,
	index?: number,
	extra: { rejectionReason?: string | null } = {},
	origin?: unknown
): CardState {
	const cards = readCards(doc);
	const order = columnOrder(cards, stage).filter((id) => id !== applicationId);
	const at = index === undefined ? order.length : Math.max(0, Math.min(index, order.length));
	const before = at > 0 ? (cards.get(order[at - 1])?.rank ?? null) : null;
	const after = at < order.length ? (cards.get(order[at])?.rank ?? null) : null;
	const state: CardState = { stage, rank: rankBetween(before, after), ...extra };
	doc.transact(() => cardsMap(doc).set(applicationId, state), origin);
	return state;
}
