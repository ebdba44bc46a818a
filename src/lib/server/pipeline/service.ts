import { randomUUID } from 'node:crypto';
import {
	and,
	asc,
	desc,
	eq,
	getTableColumns,
	gt,
	inArray,
	isNull,
	ne,
	sql,
	type SQL,
	type WithSubquery
} from 'drizzle-orm';
import type { PipelineStage } from '../../domain/candidates';
import { boardColumns, checkMove, stagesOf } from '../../domain/pipeline-rules';
import { normalizeTags } from '../../domain/normalize';
import {
	BOARD_SERVER_ORIGIN,
	cardsMap,
	isValidRank,
	metaMap,
	rankBetween,
	readCards,
	type CardState
} from '../../collab/pipeline';
import { documentNames } from '../../collab/names';
import { can } from '../../permissions';
import type { BulkActionInput, MoveStageInput } from '../../schemas/candidates';
import { subjectOf, type Actor } from '../actor';
import { activityRow, announceActivity, recordActivity } from '../activity/service';
import { auditRow, auditSnapshot, recordAudit } from '../audit/audit';
import { selectRows, type Executor, type Transaction } from '../db/client';
import { checkVersion, lockForUpdate } from '../db/locking';
import { inTransaction, type AfterCommit } from '../db/transaction';
import {
	activityEvents,
	applicationStageHistory,
	applications,
	auditLog,
	candidates,
	interviews,
	offers,
	requirements,
	screeningRuns,
	users,
	type ActivityEvent,
	type AiSource,
	type Application,
	type Requirement
} from '../db/schema';
import { channels } from '../events/bus';
import { AppError, Conflict, Forbidden, NotFound, ValidationFailed } from '../errors';
import { assertSeesRequirement, scopedRelationsTo, seesRequirement } from '../requirements/visibility';
import type { Runtime } from '../runtime';
import { departmentScope, type DepartmentScope } from '../scope/departments';

/** How a move reached the server. */
export type MoveVia = 'api' | 'board' | 'bulk' | 'careers' | 'system';

type ScopedRequirement = Pick<Requirement, 'hiringManagerId' | 'createdBy' | 'departmentId'>;

/**
 * May the actor move cards on this requirement's board? `scope` is the actor's department scope
 * (`departmentScope`): a board outside it is not theirs to change unless the requirement is.
 */
export function canMoveOn(actor: Actor, r: ScopedRequirement, scope: DepartmentScope): boolean {
	return can(subjectOf(actor), 'update', 'pipeline', scopedRelationsTo(actor, r, scope));
}

const ACCEPTS_APPLICATIONS: Requirement['status'][] = ['approved', 'open', 'on_hold'];

async function loadRequirement(tx: Executor, id: string): Promise<Requirement> {
	const [r] = await tx
		.select()
		.from(requirements)
		.where(and(eq(requirements.id, id), isNull(requirements.deletedAt)));
	if (!r) throw new NotFound('Requirement');
	return r;
}

/**
 * Rank at `index` of `stage` (default: the end), from the ranks stored in Postgres. Reads only
 * the neighbours of that place, never the whole column (an import appends thousands of cards).
 */
async function rankAt(
	tx: Executor,
	requirementId: string,
	stage: string,
	index: number | undefined,
	excludeId?: string
): Promise<string> {
	const column = and(
		eq(applications.requirementId, requirementId),
		eq(applications.stage, stage),
		isNull(applications.deletedAt),
		excludeId ? ne(applications.id, excludeId) : undefined
	);
	const last = async () => {
		const [row] = await tx
			.select({ rank: applications.rank })
			.from(applications)
			.where(column)
			.orderBy(desc(applications.rank), desc(applications.id))
			.limit(1);
		return row?.rank ?? null;
	};
	if (index === undefined) return rankBetween(await last(), null);
	const at = Math.max(0, index);
	const neighbours = await tx
		.select({ rank: applications.rank })
		.from(applications)
		.where(column)
		.orderBy(asc(applications.rank), asc(applications.id))
		.offset(Math.max(0, at - 1))
		.limit(at === 0 ? 1 : 2);
	if (at === 0) return rankBetween(null, neighbours[0]?.rank ?? null);
	if (neighbours.length === 0) return rankBetween(await last(), null);
	return rankBetween(neighbours[0].rank, neighbours[1]?.rank ?? null);
}

/** Per runtime and board: application ids waiting to be mirrored, and the mirror at work. */
const boardMirrors = new WeakMap<Runtime, Map<string, { ids: Set<string>; running: boolean }>>();

/**
 * Keeps open boards in step with Postgres: after COMMIT, the given cards are written to the
 * live document as Postgres has them *at that moment* (so two quick moves applied out of order
 * still end right). One mirror runs per board at a time; ids that arrive meanwhile are
 * coalesced into its next round, so a bulk action or an import opens the document a few times,
 * not once per card. Runs in the background: an HTTP answer never waits for the document.
 */
export function mirrorToBoard(rt: Runtime, afterCommit: AfterCommit, requirementId: string, applicationIds: string[]) {
	afterCommit(async () => {
		if (applicationIds.length === 0) return;
		// In distributed mode the board documents live in the sync process: the web process and
		// the worker ask it on the bus to mirror the cards, instead of opening a direct connection
		// of their own (which the Redis extension holds for ≥ 1 s per round).
		if (rt.config.role === 'web' || rt.config.role === 'worker') {
			await rt.bus.publish(channels.boards, { type: 'mirror', requirementId, applicationIds });
			return;
		}
		mirrorNow(rt, requirementId, applicationIds);
	});
}

/**
 * In the sync process: mirrors the cards that the web process and the worker announce on the
 * `boards` channel into the board documents this process holds. Returns the unsubscribe.
 */
export function serveBoardMirrors(rt: Runtime) {
	return rt.bus.subscribe(channels.boards, (message) => {
		const { requirementId, applicationIds } = message;
		if (
			message.type !== 'mirror' ||
			typeof requirementId !== 'string' ||
			!Array.isArray(applicationIds) ||
			!applicationIds.every((id) => typeof id === 'string')
		) {
			rt.logger.warn({ message }, 'ignored a malformed board mirror request');
			return;
		}
		mirrorNow(rt, requirementId, applicationIds as string[]);
	});
}

/** Queues the cards for this process's board mirror (coalesced per board). */
function mirrorNow(rt: Runtime, requirementId: string, applicationIds: string[]) {
	if (!rt.collab?.updateDocument || applicationIds.length === 0) return;
	let boards = boardMirrors.get(rt);
	if (!boards) boardMirrors.set(rt, (boards = new Map()));
	let mirror = boards.get(requirementId);
	if (!mirror) boards.set(requirementId, (mirror = { ids: new Set(), running: false }));
	for (const id of applicationIds) mirror.ids.add(id);
	if (!mirror.running) {
		mirror.running = true;
		void drainMirror(rt, boards, requirementId, mirror);
	}
}

async function drainMirror(
	rt: Runtime,
	boards: Map<string, { ids: Set<string>; running: boolean }>,
	requirementId: string,
	mirror: { ids: Set<string>; running: boolean }
) {
	while (mirror.ids.size > 0) {
		const ids = [...mirror.ids];
		mirror.ids.clear();
		try {
			await mirrorOnce(rt, requirementId, ids);
		} catch (err) {
			rt.logger.warn({ err, requirementId }, 'mirroring to the live board failed');
		}
	}
	mirror.running = false;
	boards.delete(requirementId);
}

async function mirrorOnce(rt: Runtime, requirementId: string, applicationIds: string[]) {
	const update = rt.collab?.updateDocument;
	if (!update) return;
	const rows = await rt.db
		.select({
			id: applications.id,
			stage: applications.stage,
			rank: applications.rank,
			rejectionReason: applications.rejectionReason,
			deletedAt: applications.deletedAt
		})
		.from(applications)
		.where(inArray(applications.id, applicationIds));
	const byId = new Map(rows.map((r) => [r.id, r]));
	await update.call(rt.collab, documentNames.pipeline(requirementId), (doc) => {
		doc.transact(() => {
			const map = cardsMap(doc);
			for (const id of applicationIds) {
				const row = byId.get(id);
				if (!row || row.deletedAt) {
					if (map.has(id)) map.delete(id);
					continue;
				}
				const state = cardOf(row);
				if (!sameCardState(map.get(id), state)) map.set(id, state);
			}
		}, BOARD_SERVER_ORIGIN);
	});
}

/** Whether a card in the document already shows `state`. */
export function sameCardState(a: CardState | undefined, b: CardState | undefined): boolean {
	return (
		!!a &&
		!!b &&
		a.stage === b.stage &&
		a.rank === b.rank &&
		(a.rejectionReason ?? null) === (b.rejectionReason ?? null)
	);
}

/** A card as the board document holds it, from an application row. */
export function cardOf(app: Pick<Application, 'stage' | 'rank' | 'rejectionReason'>): CardState {
	return { stage: app.stage, rank: app.rank, ...(app.rejectionReason ? { rejectionReason: app.rejectionReason } : {}) };
}

/**
 * The rank a card dropped at `rank` gets: that rank, unless another card of the column holds it
 * already (two people dropped cards into the same gap at once) — then one just after it, before
 * the next card, so every card keeps a distinct place.
 */
async function freeRank(
	tx: Executor,
	requirementId: string,
	stage: string,
	rank: string,
	applicationId: string
): Promise<string> {
	if (!isValidRank(rank)) {
		throw new ValidationFailed([{ field: 'rank', message: 'Not a valid position in the column' }]);
	}
	const column = and(
		eq(applications.requirementId, requirementId),
		eq(applications.stage, stage),
		isNull(applications.deletedAt),
		ne(applications.id, applicationId)
	);
	// One round trip: is the rank taken, and which rank follows it (both index range scans).
	const [row] = await selectRows<{ taken: boolean; next: string | null }>(
		tx,
		sql`select exists (select 1 from ${applications} where ${and(column, eq(applications.rank, rank))}) as taken,
			(select min(${applications.rank}) from ${applications} where ${and(column, gt(applications.rank, rank))}) as next`
	);
	if (!row?.taken) return rank;
	return rankBetween(rank, row.next ?? null);
}

export interface AddApplicationOptions {
	stage?: string;
	via?: MoveVia;
}

/** Puts a candidate in a requirement's pipeline (in an open transaction). */
export async function insertApplication(
	tx: Transaction,
	rt: Runtime,
	afterCommit: AfterCommit,
	actor: Actor,
	requirementId: string,
	candidateId: string,
	options: AddApplicationOptions = {}
): Promise<Application> {
	const requirement = await loadRequirement(tx, requirementId);
	if (options.via !== 'careers') {
		const scope = await departmentScope(tx, actor);
		if (!(await seesRequirement(tx, actor, { ...requirement, id: requirementId }, scope))) {
			throw new NotFound('Requirement');
		}
		if (!can(subjectOf(actor), 'create', 'application', scopedRelationsTo(actor, requirement, scope))) {
			throw new Forbidden('You may not add candidates to this requirement');
		}
	}
	if (!ACCEPTS_APPLICATIONS.includes(requirement.status)) {
		throw new Conflict(
			`A ${requirement.status.replace('_', ' ')} requirement takes no candidates`,
			'REQUIREMENT_CLOSED',
			{ status: requirement.status }
		);
	}
	const [candidate] = await tx
		.select({ id: candidates.id, name: candidates.name })
		.from(candidates)
		.where(and(eq(candidates.id, candidateId), isNull(candidates.deletedAt), isNull(candidates.mergedIntoId)));
	if (!candidate) throw new ValidationFailed([{ field: 'candidate_id', message: 'No such candidate' }]);
	const stages = stagesOf(requirement.pipelineStages);
	const stage = options.stage ?? stages[0].key;
	if (!stages.some((s) => s.key === stage))
		throw new ValidationFailed([{ field: 'stage', message: `"${stage}" is not a stage of this pipeline` }]);
	const [existing] = await tx
		.select({ id: applications.id })
		.from(applications)
		.where(
			and(
				eq(applications.candidateId, candidateId),
				eq(applications.requirementId, requirementId),
				isNull(applications.deletedAt)
			)
		);
	if (existing)
		throw new Conflict('This candidate is already in this pipeline', 'ALREADY_APPLIED', {
			application_id: existing.id
		});
	const rank = await rankAt(tx, requirementId, stage, undefined);
	const [app] = await tx
		.insert(applications)
		.values({ candidateId, requirementId, stage, rank, createdBy: actor.userId })
		.returning();
	await tx.insert(applicationStageHistory).values({
		applicationId: app.id,
		fromStage: null,
		toStage: stage,
		movedBy: actor.userId,
		via: options.via ?? 'api'
	});
	await recordAudit(tx, actor, {
		action: 'application.created',
		entityType: 'application',
		entityId: app.id,
		after: auditSnapshot(app)
	});
	await recordActivity(tx, rt, afterCommit, actor, {
		type: 'candidate.added',
		candidateId,
		requirementId,
		applicationId: app.id,
		data: { name: candidate.name, stage, requirement_title: requirement.title }
	});
	mirrorToBoard(rt, afterCommit, requirementId, [app.id]);
	return app;
}

/** `POST /requirements/:id/applications`. */
export async function addApplication(
	rt: Runtime,
	actor: Actor,
	requirementId: string,
	candidateId: string,
	options: AddApplicationOptions = {}
) {
	return inTransaction(
		rt.db,
		(tx, afterCommit) => insertApplication(tx, rt, afterCommit, actor, requirementId, candidateId, options),
		(err) => rt.logger.warn({ err }, 'mirroring to the board failed')
	);
}

export interface MoveRequest {
	stage: string;
	/** Optimistic lock; omitted by the board (the document itself is the base). */
	version?: number;
	rejectionReason?: string | null;
	index?: number;
	/** An exact rank (the board's own, when the move comes from the document). */
	rank?: string;
}

/** An application locked for a move, with everything validating and recording the move reads. */
export interface LockedApplication {
	app: Application;
	/** Null when the requirement is deleted. */
	requirement: Pick<
		Requirement,
		'id' | 'hiringManagerId' | 'createdBy' | 'departmentId' | 'pipelineStages' | 'title'
	> | null;
	candidateName: string | null;
	/** The rule table's offer facts: once an application has an offer, it is hired only through its acceptance. */
	offersInUse: boolean;
	hasAcceptedOffer: boolean;
}

/**
 * Locks (FOR UPDATE, in id order) the live applications matching `where` and reads, in the same
 * statement, their requirement, candidate name and offer facts: one round trip for what used to
 * be four reads per move.
 */
export async function lockApplications(tx: Executor, where: SQL): Promise<LockedApplication[]> {
	return tx
		.select({
			app: applications,
			requirement: {
				id: requirements.id,
				hiringManagerId: requirements.hiringManagerId,
				createdBy: requirements.createdBy,
				departmentId: requirements.departmentId,
				pipelineStages: requirements.pipelineStages,
				title: requirements.title
			},
			candidateName: candidates.name,
			offersInUse: sql<boolean>`exists (select 1 from ${offers} where ${offers.applicationId} = ${applications.id} and ${offers.deletedAt} is null)`,
			hasAcceptedOffer: sql<boolean>`exists (select 1 from ${offers} where ${offers.applicationId} = ${applications.id} and ${offers.deletedAt} is null and ${offers.status} = 'accepted')`
		})
		.from(applications)
		.leftJoin(requirements, and(eq(requirements.id, applications.requirementId), isNull(requirements.deletedAt)))
		.leftJoin(candidates, eq(candidates.id, applications.candidateId))
		.where(and(where, isNull(applications.deletedAt)))
		.orderBy(asc(applications.id))
		.for('update', { of: applications });
}

export interface MoveOptions {
	mirror?: boolean;
	/** The system itself moves (an accepted offer): no user permission to check. */
	system?: boolean;
}

/** Refuses a move by someone who may not move cards on this board (the system always may). */
async function authorizeMove(tx: Executor, actor: Actor, locked: LockedApplication, options: MoveOptions) {
	if (options.system) return;
	if (!locked.requirement) throw new NotFound('Requirement');
	if (!canMoveOn(actor, locked.requirement, await departmentScope(tx, actor)))
		throw new Forbidden('You may not move candidates on this board');
}

/**
 * Moves an application to another stage (or reorders it), in an open transaction: permission,
 * the rule table (`checkMove`), the row, a stage-history row (with the time spent in the stage
 * it leaves), the audit row and the activity event. Illegal → 409 ILLEGAL_MOVE with the reason.
 */
export async function moveInTransaction(
	tx: Transaction,
	rt: Runtime,
	afterCommit: AfterCommit,
	actor: Actor,
	applicationId: string,
	request: MoveRequest,
	via: MoveVia,
	options: MoveOptions = {}
): Promise<Application> {
	const [locked] = await lockApplications(tx, eq(applications.id, applicationId));
	if (!locked) throw new NotFound('Application');
	// Authorised before the version is compared: a conflict answer carries the application.
	await authorizeMove(tx, actor, locked, options);
	checkVersion(locked.app, request.version, 'Application');
	return applyMove(tx, rt, afterCommit, actor, locked, request, via, options);
}

/**
 * The move of an application locked by `lockApplications` in this transaction, by an actor
 * `moveInTransaction` has authorised. Every refusal (an AppError) is thrown before anything is
 * written. The row, its stage history, the audit row and the
 * activity event are written in one statement.
 */
async function applyMove(
	tx: Transaction,
	rt: Runtime,
	afterCommit: AfterCommit,
	actor: Actor,
	locked: LockedApplication,
	request: MoveRequest,
	via: MoveVia,
	options: MoveOptions = {}
): Promise<Application> {
	const { app: before, requirement } = locked;
	const applicationId = before.id;
	if (!requirement) throw new NotFound('Requirement');

	const stages = stagesOf(requirement.pipelineStages);
	const stageChanges = before.stage !== request.stage;
	if (stageChanges) {
		const problem = checkMove({
			from: before.stage,
			to: request.stage,
			stages,
			rejectionReason: request.rejectionReason,
			offersInUse: locked.offersInUse,
			hasAcceptedOffer: locked.hasAcceptedOffer
		});
		if (problem)
			throw new Conflict(problem, 'ILLEGAL_MOVE', {
				from: before.stage,
				to: request.stage,
				application_id: applicationId
			});
	}
	const rank =
		request.rank === undefined
			? await rankAt(tx, before.requirementId, request.stage, request.index, applicationId)
			: await freeRank(tx, before.requirementId, request.stage, request.rank, applicationId);
	const now = new Date();
	const rejectionReason = stageChanges
		? request.stage === 'rejected'
			? (request.rejectionReason ?? null)
			: null
		: before.rejectionReason;

	// Written together: the audit row, and for a stage change the history row and the activity
	// event, ride on the UPDATE as data-modifying CTEs (one round trip instead of four).
	const writes: WithSubquery[] = [
		tx.$with('move_audit').as(
			tx.insert(auditLog).values(
				auditRow(actor, {
					action: stageChanges ? 'application.stage_changed' : 'application.reordered',
					entityType: 'application',
					entityId: applicationId,
					before: { stage: before.stage, rank: before.rank, rejectionReason: before.rejectionReason },
					after: { stage: request.stage, rank, rejectionReason },
					metadata: { via, requirement_id: before.requirementId }
				})
			)
		)
	];
	let activity: Omit<ActivityEvent, 'createdAt'> | null = null;
	if (stageChanges) {
		const seconds = Math.max(0, Math.round((now.getTime() - before.stageEnteredAt.getTime()) / 1000));
		writes.push(
			tx.$with('move_history').as(
				tx.insert(applicationStageHistory).values({
					applicationId,
					fromStage: before.stage,
					toStage: request.stage,
					movedBy: actor.userId,
					secondsInPreviousStage: seconds,
					via,
					reason: request.stage === 'rejected' ? (request.rejectionReason ?? null) : null
				})
			)
		);
		activity = {
			id: randomUUID(),
			...activityRow(actor, {
				type: 'stage.moved',
				candidateId: before.candidateId,
				requirementId: before.requirementId,
				applicationId,
				data: {
					name: locked.candidateName ?? undefined,
					from: before.stage,
					to: request.stage,
					via,
					requirement_title: requirement.title
				}
			})
		};
		writes.push(tx.$with('move_activity').as(tx.insert(activityEvents).values(activity)));
	}
	const [row] = await tx
		.with(...writes)
		.update(applications)
		.set({
			stage: request.stage,
			rank,
			...(stageChanges ? { stageEnteredAt: now, rejectionReason } : {}),
			version: before.version + 1
		})
		.where(eq(applications.id, applicationId))
		.returning({
			...getTableColumns(applications),
			// now() is the transaction's start, the same in every statement of it: the activity
			// event's created_at (its column default), without reading the event back.
			transactionStartedAt: sql<Date>`now()`.mapWith(activityEvents.createdAt)
		});
	const { transactionStartedAt, ...after } = row;
	// After COMMIT, the board first (the open boards' viewers wait for it), then the feed.
	if (options.mirror !== false) mirrorToBoard(rt, afterCommit, before.requirementId, [applicationId]);
	if (activity) announceActivity(rt, afterCommit, { ...activity, createdAt: transactionStartedAt });
	return after;
}

/** `PATCH /applications/:id/stage`: written to Postgres first, then to the live board. */
export async function moveApplication(
	rt: Runtime,
	actor: Actor,
	applicationId: string,
	input: MoveStageInput,
	via: MoveVia = 'api'
) {
	return inTransaction(
		rt.db,
		(tx, afterCommit) =>
			moveInTransaction(
				tx,
				rt,
				afterCommit,
				actor,
				applicationId,
				{ stage: input.stage, version: input.version, rejectionReason: input.rejection_reason, index: input.index },
				via
			),
		(err) => rt.logger.warn({ err }, 'mirroring to the board failed')
	);
}

export interface BulkResult {
	applicationId: string;
	ok: boolean;
	error?: { code: string; message: string };
}

/** Bulk move, reject (with a reason) or tag; each card in its own transaction, results per card. */
export async function bulkAction(
	rt: Runtime,
	actor: Actor,
	requirementId: string,
	input: BulkActionInput
): Promise<BulkResult[]> {
	const requirement = await loadRequirement(rt.db, requirementId);
	const scope = await departmentScope(rt.db, actor);
	if (!canMoveOn(actor, requirement, scope)) throw new Forbidden('You may not change candidates on this board');
	const results: BulkResult[] = [];
	for (const applicationId of [...new Set(input.application_ids)]) {
		try {
			await inTransaction(rt.db, async (tx, afterCommit) => {
				const [app] = await tx
					.select()
					.from(applications)
					.where(
						and(
							eq(applications.id, applicationId),
							eq(applications.requirementId, requirementId),
							isNull(applications.deletedAt)
						)
					);
				if (!app) throw new NotFound('Application');
				if (input.action === 'tag') {
					const requirement = await loadRequirement(tx, requirementId);
					if (!canMoveOn(actor, requirement, scope)) throw new Forbidden();
					const [c] = await tx.select().from(candidates).where(eq(candidates.id, app.candidateId)).for('update');
					const tags = normalizeTags([...c.tags, ...input.tags]);
					await tx
						.update(candidates)
						.set({ tags, version: c.version + 1 })
						.where(eq(candidates.id, c.id));
					await recordAudit(tx, actor, {
						action: 'candidate.tagged',
						entityType: 'candidate',
						entityId: c.id,
						before: { tags: c.tags },
						after: { tags },
						metadata: { via: 'bulk' }
					});
					return;
				}
				await moveInTransaction(
					tx,
					rt,
					afterCommit,
					actor,
					applicationId,
					input.action === 'move'
						? { stage: input.stage }
						: { stage: 'rejected', rejectionReason: input.rejection_reason },
					'bulk'
				);
			});
			results.push({ applicationId, ok: true });
		} catch (err) {
			if (!(err instanceof AppError)) throw err;
			results.push({ applicationId, ok: false, error: { code: err.code, message: err.message } });
		}
	}
	return results;
}

/**
 * Changes a requirement's stages (admins): rename, add, reorder. A stage that still holds
 * applications cannot be removed (409 naming it). Open boards get the new columns live.
 */
export async function setPipelineStages(
	rt: Runtime,
	actor: Actor,
	requirementId: string,
	stages: PipelineStage[],
	version: number
) {
	const subject = subjectOf(actor);
	if (!subject || (subject.role !== 'admin' && subject.role !== 'super_admin'))
		throw new Forbidden('Only admins change pipeline stages');
	return inTransaction(
		rt.db,
		async (tx, afterCommit) => {
			const before = await lockForUpdate(
				tx,
				requirements,
				requirementId,
				version,
				'Requirement',
				isNull(requirements.deletedAt)
			);
			const removed = stagesOf(before.pipelineStages).filter((s) => !stages.some((n) => n.key === s.key));
			if (removed.length) {
				const inUse = await tx
					.select({ stage: applications.stage, n: sql<number>`count(*)::int` })
					.from(applications)
					.where(
						and(
							eq(applications.requirementId, requirementId),
							isNull(applications.deletedAt),
							inArray(
								applications.stage,
								removed.map((s) => s.key)
							)
						)
					)
					.groupBy(applications.stage);
				if (inUse.length) {
					throw new Conflict(
						`Stage${inUse.length > 1 ? 's' : ''} in use cannot be removed: ${inUse.map((u) => `${u.stage} (${u.n})`).join(', ')}`,
						'STAGE_IN_USE',
						{ stages: inUse }
					);
				}
			}
			const [after] = await tx
				.update(requirements)
				.set({ pipelineStages: stages, version: before.version + 1 })
				.where(eq(requirements.id, requirementId))
				.returning();
			await recordAudit(tx, actor, {
				action: 'requirement.stages_changed',
				entityType: 'requirement',
				entityId: requirementId,
				before: { pipelineStages: stagesOf(before.pipelineStages) },
				after: { pipelineStages: stages }
			});
			afterCommit(async () => {
				await rt.collab?.updateDocument?.(documentNames.pipeline(requirementId), (doc) =>
					doc.transact(() => metaMap(doc).set('stages', boardColumns(stages)), BOARD_SERVER_ORIGIN)
				);
			});
			return { stages: boardColumns(after.pipelineStages), version: after.version };
		},
		(err) => rt.logger.warn({ err }, 'mirroring to the board failed')
	);
}

/** What a card may show beyond the application itself; each part only for users allowed to see it. */
export interface BoardDetails {
	/** The latest AI screening run of each application (score, decision, gemini or heuristic). */
	screening?: boolean;
	/** The next scheduled interview of each application. */
	interviews?: boolean;
}

/** A card's latest AI screening result. */
export interface CardScreening {
	score: number;
	decision: 'advance' | 'hold' | 'reject';
	source: AiSource;
	screenedAt: Date;
}

/** A card's next scheduled interview. */
export interface CardInterview {
	id: string;
	type: string;
	status: string;
	startsAt: Date;
}

/** The latest screening run of every live application of a requirement, by application id. */
export async function latestScreeningByApplication(db: Executor, requirementId: string) {
	const rows = await db
		.selectDistinctOn([screeningRuns.applicationId], {
			applicationId: screeningRuns.applicationId,
			score: screeningRuns.score,
			decision: screeningRuns.decision,
			source: screeningRuns.source,
			screenedAt: screeningRuns.createdAt
		})
		.from(applications)
		.innerJoin(screeningRuns, eq(screeningRuns.applicationId, applications.id))
		.where(and(eq(applications.requirementId, requirementId), isNull(applications.deletedAt)))
		.orderBy(screeningRuns.applicationId, desc(screeningRuns.createdAt), desc(screeningRuns.id));
	return new Map(rows.map(({ applicationId, ...run }) => [applicationId, run satisfies CardScreening]));
}

/** The next scheduled (not yet started) interview of every live application of a requirement. */
async function nextInterviewByApplication(db: Executor, requirementId: string, now: Date) {
	const rows = await db
		.selectDistinctOn([interviews.applicationId], {
			applicationId: interviews.applicationId,
			id: interviews.id,
			type: interviews.type,
			status: interviews.status,
			startsAt: interviews.startsAt
		})
		.from(applications)
		.innerJoin(interviews, eq(interviews.applicationId, applications.id))
		.where(
			and(
				eq(applications.requirementId, requirementId),
				isNull(applications.deletedAt),
				isNull(interviews.deletedAt),
				eq(interviews.status, 'scheduled'),
				gt(interviews.startsAt, now)
			)
		)
		.orderBy(interviews.applicationId, asc(interviews.startsAt), asc(interviews.id));
	return new Map(rows.map(({ applicationId, ...interview }) => [applicationId, interview satisfies CardInterview]));
}

/**
 * The board as data (for the REST API and for loading the live document): columns and one card
 * per live application — name, title, tags, time in stage, rejection reason — plus, when asked
 * (the caller decides what the user may see), the latest AI screening and the next interview.
 */
export async function boardOf(db: Executor, requirementId: string, details: BoardDetails = {}) {
	const requirement = await loadRequirement(db, requirementId);
	const [rows, screening, nextInterviews] = await Promise.all([
		db
			.select({
				id: applications.id,
				candidateId: applications.candidateId,
				stage: applications.stage,
				rank: applications.rank,
				rejectionReason: applications.rejectionReason,
				stageEnteredAt: applications.stageEnteredAt,
				version: applications.version,
				name: candidates.name,
				currentTitle: candidates.currentTitle,
				tags: candidates.tags
			})
			.from(applications)
			.innerJoin(candidates, eq(candidates.id, applications.candidateId))
			.where(and(eq(applications.requirementId, requirementId), isNull(applications.deletedAt)))
			.orderBy(asc(applications.rank), asc(applications.id)),
		details.screening ? latestScreeningByApplication(db, requirementId) : null,
		details.interviews ? nextInterviewByApplication(db, requirementId, new Date()) : null
	]);
	const cards = rows.map((row) => ({
		...row,
		...(screening && { screening: screening.get(row.id) ?? null }),
		...(nextInterviews && { nextInterview: nextInterviews.get(row.id) ?? null })
	}));
	return { requirement, columns: boardColumns(requirement.pipelineStages), cards };
}

/**
 * The board for the REST API (`GET /requirements/:id/pipeline`, its applications): 404 for a
 * requirement outside the actor's departments, as for a missing one.
 */
export async function readBoard(rt: Runtime, actor: Actor, requirementId: string, details: BoardDetails = {}) {
	const requirement = await loadRequirement(rt.db, requirementId);
	await assertSeesRequirement(rt.db, actor, requirement);
	return boardOf(rt.db, requirementId, details);
}

/** Stage history of one application, oldest first. */
export async function stageHistory(db: Executor, applicationId: string) {
	return db
		.select({ h: applicationStageHistory, movedByName: users.name })
		.from(applicationStageHistory)
		.leftJoin(users, eq(users.id, applicationStageHistory.movedBy))
		.where(eq(applicationStageHistory.applicationId, applicationId))
		.orderBy(asc(applicationStageHistory.createdAt), desc(applicationStageHistory.id));
}

/**
 * Makes a loaded board document agree with Postgres (the authority): cards for every live
 * application at their stored stage and rank, no card for anything else, and the columns.
 */
export async function reconcileBoard(
	db: Executor,
	requirementId: string,
	doc: import('yjs').Doc,
	origin: unknown
): Promise<void> {
	const board = await boardOf(db, requirementId);
	const current = readCards(doc);
	doc.transact(() => {
		const map = cardsMap(doc);
		const live = new Set(board.cards.map((c) => c.id));
		for (const card of board.cards) {
			const state = cardOf(card);
			if (!sameCardState(current.get(card.id), state)) map.set(card.id, state);
		}
		for (const id of [...map.keys()]) if (!live.has(id)) map.delete(id);
		const columns = board.columns;
		if (JSON.stringify(metaMap(doc).get('stages')) !== JSON.stringify(columns)) metaMap(doc).set('stages', columns);
	}, origin);
}

/** One application with its stage history (from, to, who, when, time in the previous stage). */
export async function getApplication(rt: Runtime, actor: Actor, id: string) {
	if (!can(subjectOf(actor), 'read', 'application')) throw new Forbidden();
	const [app] = await rt.db
		.select()
		.from(applications)
		.where(and(eq(applications.id, id), isNull(applications.deletedAt)));
	if (!app) throw new NotFound('Application');
	// One outside the actor's departments is as missing (unless the requirement is theirs).
	if (!(await seesRequirement(rt.db, actor, await loadRequirement(rt.db, app.requirementId)))) {
		throw new NotFound('Application');
	}
	const history = await stageHistory(rt.db, id);
	return { ...app, history: history.map((h) => ({ ...h.h, movedByName: h.movedByName })) };
}
