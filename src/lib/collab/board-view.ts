import type { PipelineStage } from '../domain/candidates';
import { columnOrder, type CardState } from './pipeline';

/**
 * Browser-side helpers of the live board page (`pipeline:<requirementId>`): the columns as the
 * page draws them, the presence of the people looking at it, and where a dragged card lands.
 * Pure functions, so they are the same in every component and easy to test.
 */

export interface BoardColumn {
	key: string;
	label: string;
	/** Card (application) ids in board order. */
	ids: string[];
}

/** One column per stage (in the document's order), each with its cards ordered by rank. */
export function boardColumnsOf(stages: PipelineStage[], cards: Map<string, CardState>): BoardColumn[] {
	return stages.map((s) => ({ key: s.key, label: s.label, ids: columnOrder(cards, s.key) }));
}

export interface BoardPeer {
	clientId: number;
	userId: string;
	name: string;
	color: string;
	/** The card this person is dragging right now, if any. */
	dragging: string | null;
	self: boolean;
}

/**
 * Who is on the board, from the awareness states. The `user` of every state is written by the
 * sync server from the connection's session (a client cannot claim to be someone else); states
 * without one (not yet rewritten) are skipped. `self` marks this browser's own connection.
 */
export function boardPeers(states: Map<number, Record<string, unknown>>, ownClientId: number): BoardPeer[] {
	const peers: BoardPeer[] = [];
	for (const [clientId, state] of states) {
		const who = state?.user;
		if (!who || typeof who !== 'object') continue;
		const { id, name, color } = who as { id?: unknown; name?: unknown; color?: unknown };
		if (typeof name !== 'string' || name.length === 0) continue;
		peers.push({
			clientId,
			userId: typeof id === 'string' ? id : `client-${clientId}`,
			name,
			color: typeof color === 'string' ? color : '#64748b',
			dragging: typeof state.dragging === 'string' ? state.dragging : null,
			self: clientId === ownClientId
		});
	}
	return peers;
}

/** One avatar per person (several tabs of one user are one person), this user first. */
export function distinctPeople(peers: BoardPeer[]): BoardPeer[] {
	const byUser = new Map<string, BoardPeer>();
	for (const p of peers) {
		const seen = byUser.get(p.userId);
		if (!seen || (p.self && !seen.self)) byUser.set(p.userId, p);
	}
	return [...byUser.values()].sort((a, b) => Number(b.self) - Number(a.self) || a.name.localeCompare(b.name));
}

/** Cards someone else is dragging: card id → that person (the first one, when two drag it). */
export function draggedByOthers(peers: BoardPeer[]): Map<string, BoardPeer> {
	const out = new Map<string, BoardPeer>();
	for (const p of peers) if (!p.self && p.dragging && !out.has(p.dragging)) out.set(p.dragging, p);
	return out;
}

/**
 * Where a card dropped at pointer height `y` lands in a column: the number of the column's other
 * cards whose middle is above `y`. `middles` are those cards' vertical centres, top to bottom.
 */
export function dropIndex(middles: number[], y: number): number {
	let index = 0;
	for (const m of middles) if (y > m) index++;
	return index;
}

/**
 * Whether a drop changes anything: another column, or another place in the same column.
 * `index` counts the column's cards without the dragged one.
 */
export function dropChangesBoard(fromStage: string, fromIndex: number, toStage: string, index: number): boolean {
	return fromStage !== toStage || fromIndex !== index;
}

/** Whole days since `since` (0 on the day it happened). */
export function daysSince(since: string | Date, now: Date = new Date()): number {
	const start = typeof since === 'string' ? new Date(since) : since;
	const ms = now.getTime() - start.getTime();
	return Number.isFinite(ms) && ms > 0 ? Math.floor(ms / 86_400_000) : 0;
}
