import type { afterLoadDocumentPayload, Extension, onChangePayload } from '@hocuspocus/server';
import { and, eq, inArray, isNull } from 'drizzle-orm';
import type * as Y from 'yjs';
import type { ServerNotice } from '$lib/collab/limits';
import { parseDocumentName } from '$lib/collab/names';
import { BOARD_SERVER_ORIGIN, cardsMap, isCardState, metaMap, type CardState } from '$lib/collab/pipeline';
import { boardColumns } from '$lib/domain/pipeline-rules';
import { can } from '$lib/permissions';
import type { Actor } from '$lib/server/actor';
import type { SessionUser } from '$lib/server/auth/session';
import { applications, requirements } from '$lib/server/db/schema';
import { inTransaction } from '$lib/server/db/transaction';
import { AppError } from '$lib/server/errors';
import { canMoveOn, cardOf, moveInTransaction, reconcileBoard, sameCardState } from '$lib/server/pipeline/service';
import { scopedRelationsTo, seesRequirement } from '$lib/server/requirements/visibility';
import type { Runtime } from '$lib/server/runtime';
import { departmentScope } from '$lib/server/scope/departments';
import type { DocumentAccess } from '../authorize';

export { BOARD_SERVER_ORIGIN };

/**
 * Recruiters, the requirement's hiring manager and admins move cards; other readers watch. A user
 * limited to departments is refused the board of a requirement outside them (unless it is theirs).
 */
export async function pipelineAccess(
	rt: Runtime,
	user: SessionUser,
	ref: { requirementId: string }
): Promise<DocumentAccess> {
	const [row] = await rt.db
		.select({
			id: requirements.id,
			departmentId: requirements.departmentId,
			hiringManagerId: requirements.hiringManagerId,
			createdBy: requirements.createdBy
		})
		.from(requirements)
		.where(and(eq(requirements.id, ref.requirementId), isNull(requirements.deletedAt)));
	if (!row) return 'none';
	const actor: Actor = { userId: user.id, role: user.role };
	// Read afresh at every connect (a new actor each time), so a department change applies on reconnect.
	const scope = await departmentScope(rt.db, actor);
	if (!(await seesRequirement(rt.db, actor, row, scope))) return 'none';
	if (canMoveOn(actor, row, scope)) return 'write';
	if (can(user, 'read', 'pipeline', scopedRelationsTo(actor, row, scope))) return 'read';
	return 'none';
}

/** A client's connection as the Yjs transaction origin of the updates it sent. */
interface ClientOrigin {
	context: { user?: SessionUser };
	sendStateless(payload: string): void;
}

function isClientOrigin(origin: unknown): origin is ClientOrigin {
	return (
		typeof origin === 'object' &&
		origin !== null &&
		'context' in origin &&
		typeof (origin as { sendStateless?: unknown }).sendStateless === 'function'
	);
}

/** What clients changed on one loaded board since it was last settled, and who changed it. */
interface BoardChanges {
	cards: Map<string, { user: SessionUser; connection: ClientOrigin }>;
	/** A client wrote to `meta` (the columns are the server's): put them back. */
	meta: boolean;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The live board's server side. On load, the document is made to agree with Postgres. Every
 * card a client changes is validated like a REST move (permission + the rule table) and
 * written to Postgres with history, audit and activity — or put back in the document as
 * Postgres has it, and the client that made the change is told why. Only the cards a client
 * touched are settled, each as the user who touched it: a card that differs from Postgres only
 * because a REST move has not reached the document yet is left to that move's mirror. Changes
 * are settled one batch at a time per board.
 */
export class PipelineBoard implements Extension {
	readonly extensionName = 'pipeline-board';
	private readonly queues = new Map<string, Promise<void>>();
	private readonly changes = new WeakMap<Y.Doc, BoardChanges>();

	constructor(private readonly rt: Runtime) {}

	async afterLoadDocument({ documentName, document }: afterLoadDocumentPayload) {
		const ref = parseDocumentName(documentName);
		if (ref?.type !== 'pipeline') return;
		await reconcileBoard(this.rt.db, ref.requirementId, document, BOARD_SERVER_ORIGIN);
		const changes: BoardChanges = { cards: new Map(), meta: false };
		this.changes.set(document, changes);
		// Observers run inside the transaction that applied the client's update, so each changed
		// card is attributed to the connection (and user) that sent it. The server's own changes
		// and those relayed from other sync processes (Redis) have other origins: not ours.
		cardsMap(document).observe((event) => {
			const origin = event.transaction.origin;
			if (!isClientOrigin(origin) || !origin.context.user) return;
			for (const key of event.keysChanged) changes.cards.set(key, { user: origin.context.user, connection: origin });
		});
		metaMap(document).observe((event) => {
			if (isClientOrigin(event.transaction.origin)) changes.meta = true;
		});
	}

	async onChange(data: onChangePayload) {
		const ref = parseDocumentName(data.documentName);
		if (ref?.type !== 'pipeline') return;
		const changes = this.changes.get(data.document);
		if (!changes || (changes.cards.size === 0 && !changes.meta)) return;
		const previous = this.queues.get(data.documentName) ?? Promise.resolve();
		const next = previous
			.then(() => this.settle(ref.requirementId, data.document, changes))
			.catch((err: unknown) =>
				this.rt.logger.error({ err, documentName: data.documentName }, 'board validation failed')
			)
			.finally(() => {
				if (this.queues.get(data.documentName) === next) this.queues.delete(data.documentName);
			});
		this.queues.set(data.documentName, next);
	}

	/** Writes the legal changes to Postgres and puts every refused one back, telling its author. */
	private async settle(requirementId: string, doc: Y.Doc, changes: BoardChanges) {
		const batch = new Map(changes.cards);
		changes.cards.clear();
		const restoreColumns = changes.meta;
		changes.meta = false;
		if (batch.size === 0 && !restoreColumns) return;

		const ids = [...batch.keys()].filter((id) => UUID.test(id));
		const rows = ids.length
			? await this.rt.db
					.select({
						id: applications.id,
						stage: applications.stage,
						rank: applications.rank,
						rejectionReason: applications.rejectionReason
					})
					.from(applications)
					.where(
						and(
							eq(applications.requirementId, requirementId),
							inArray(applications.id, ids),
							isNull(applications.deletedAt)
						)
					)
			: [];
		const stored = new Map(rows.map((r) => [r.id, cardOf(r)]));
		const writes: Array<[string, CardState | null]> = [];
		const refusals = new Map<ClientOrigin, { applications: string[]; reasons: string[]; stages: (string | null)[] }>();
		const refuse = (connection: ClientOrigin, id: string, reason: string) => {
			const entry = refusals.get(connection) ?? { applications: [], reasons: [], stages: [] };
			const wanted: unknown = cardsMap(doc).get(id);
			entry.applications.push(id);
			entry.reasons.push(reason);
			// The stage the client asked for (before it is put back), for the client's conflict list.
			entry.stages.push(isCardState(wanted) ? wanted.stage : null);
			refusals.set(connection, entry);
		};

		for (const [id, { user, connection }] of batch) {
			const value: unknown = cardsMap(doc).get(id);
			const db = stored.get(id);
			if (!db) {
				if (value !== undefined) {
					writes.push([id, null]);
					refuse(connection, id, 'This card is not an application of this board');
				}
				continue;
			}
			if (value === undefined) {
				writes.push([id, db]);
				refuse(connection, id, 'A card cannot be removed from the board: move it to rejected or withdrawn');
				continue;
			}
			if (!isCardState(value)) {
				writes.push([id, db]);
				refuse(connection, id, 'That is not a card the board understands');
				continue;
			}
			if (sameCardState(value, db)) continue;
			const actor: Actor = { userId: user.id, role: user.role, name: user.name };
			try {
				const after = await inTransaction(this.rt.db, (tx, afterCommit) =>
					moveInTransaction(
						tx,
						this.rt,
						afterCommit,
						actor,
						id,
						{ stage: value.stage, rank: value.rank, rejectionReason: value.rejectionReason ?? null },
						'board',
						{ mirror: false }
					)
				);
				// The row may differ from the card: another card held that rank, or a reason was left
				// on a card that is no longer rejected. The document shows what was stored.
				const written = cardOf(after);
				if (!sameCardState(value, written)) writes.push([id, written]);
			} catch (err) {
				if (!(err instanceof AppError)) throw err;
				writes.push([id, db]);
				refuse(connection, id, err.message);
			}
		}

		let columns: ReturnType<typeof boardColumns> | null = null;
		if (restoreColumns) {
			const [row] = await this.rt.db
				.select({ stages: requirements.pipelineStages })
				.from(requirements)
				.where(eq(requirements.id, requirementId));
			columns = boardColumns(row?.stages);
		}

		doc.transact(() => {
			const map = cardsMap(doc);
			for (const [id, state] of writes) {
				// Touched again meanwhile: the next round settles that newer change.
				if (changes.cards.has(id)) continue;
				if (state) map.set(id, state);
				else map.delete(id);
			}
			if (columns && JSON.stringify(metaMap(doc).get('stages')) !== JSON.stringify(columns)) {
				metaMap(doc).set('stages', columns);
			}
		}, BOARD_SERVER_ORIGIN);

		for (const [connection, refused] of refusals) {
			const notice: ServerNotice = {
				type: 'reverted',
				message: refused.reasons[0],
				detail: { applications: refused.applications, reasons: refused.reasons, stages: refused.stages }
			};
			try {
				connection.sendStateless(JSON.stringify(notice));
			} catch (err) {
				this.rt.logger.debug({ err }, 'could not tell a client its board change was reverted');
			}
		}
	}

	/** Waits for the board changes in progress (shutdown). */
	async onDestroy() {
		await Promise.allSettled([...this.queues.values()]);
	}
}
