import { and, asc, desc, eq, inArray, isNull } from 'drizzle-orm';
import { normalizeTags } from '../../domain/normalize';
import { boardColumns } from '../../domain/pipeline-rules';
import { can, type Relation } from '../../permissions';
import type { CreateCandidateInput, UpdateCandidateInput } from '../../schemas/candidates';
import { subjectOf, type Actor } from '../actor';
import { recordActivities, recordActivity } from '../activity/service';
import { auditSnapshot, recordAudit, recordAudits } from '../audit/audit';
import type { Executor } from '../db/client';
import { lockForUpdate } from '../db/locking';
import { inTransaction } from '../db/transaction';
import {
	applications,
	applicationStageHistory,
	candidateDocuments,
	candidateIdentities,
	candidateNotes,
	candidates,
	requirements,
	screeningRuns,
	users,
	type Candidate
} from '../db/schema';
import { Conflict, Forbidden, NotFound, ValidationFailed } from '../errors';
import type { Runtime } from '../runtime';
import { findDuplicates, identitiesOf, writeIdentities, type DuplicateMatch } from './identities';
import { mirrorToBoard } from '../pipeline/service';
import { assertCandidateInScope, assertCanReadCandidate } from './relations';
import { applicationVisibilityCondition, visibleCandidateIds } from './visibility';
import { departmentScope } from '../scope/departments';

/** A candidate as the API shows it (no CV text: it is large and has its own endpoint). */
export function publicCandidate(c: Candidate) {
	const { searchVector: _s, rankVector: _r, cvText, ...rest } = c;
	return { ...rest, hasCvText: cvText.length > 0 };
}
export type PublicCandidate = ReturnType<typeof publicCandidate>;

function assertCan(actor: Actor, action: 'list' | 'read' | 'create' | 'update' | 'delete', relations: Relation[] = []) {
	if (!can(subjectOf(actor), action, 'candidate', relations)) throw new Forbidden();
}

export type CreateVia = 'api' | 'import' | 'careers' | 'sourcing';

export interface CreateOptions {
	/** Create even when it matches an existing candidate (marked as a possible duplicate). */
	allowDuplicate?: boolean;
	via?: CreateVia;
}

/** The fields of a new candidate row from validated input. */
function candidateValues(input: CreateCandidateInput, actorId: string | null) {
	return {
		name: input.name,
		emails: [...new Set(input.emails ?? [])],
		phone: input.phone ?? null,
		location: input.location ?? null,
		linkedinUrl: input.linkedin_url ?? null,
		githubUrl: input.github_url ?? null,
		portfolioUrl: input.portfolio_url ?? null,
		currentTitle: input.current_title ?? null,
		currentCompany: input.current_company ?? null,
		source: input.source ?? 'manual',
		referredById: input.referred_by_id ?? null,
		referrerName: input.referrer_name ?? null,
		tags: normalizeTags(input.tags ?? []),
		consentGivenAt: input.consent_given_at ? new Date(input.consent_given_at) : null,
		consentPurpose: input.consent_purpose ?? null,
		consentUntil: input.consent_until ? new Date(input.consent_until) : null,
		aiExcluded: input.ai_excluded ?? false,
		createdBy: actorId
	};
}

const IDENTIFIER_LABELS: Record<string, string> = {
	email: 'e-mail',
	phone: 'phone number',
	linkedin: 'LinkedIn profile'
};

/**
 * A new candidate matches existing ones. `matches` are all of them (the server links to them);
 * the answer shows only `shown`, those the caller may see. A match outside the caller's
 * departments is still refused — creating a silent duplicate would split one person's history
 * in two — but the answer says only which kind of identifier is taken ("A candidate with this
 * e-mail already exists"), never whose record it is: not the name, not the id.
 */
export class DuplicateCandidate extends Conflict {
	readonly shown: DuplicateMatch[];

	constructor(
		readonly matches: DuplicateMatch[],
		shown: DuplicateMatch[] = matches
	) {
		const first = shown[0];
		const hiddenKind = matches.find((m) => !shown.includes(m))?.matchedOn[0]?.split(':')[0] ?? 'email';
		super(
			first
				? `This candidate already exists (${first.name}, matched on ${first.matchedOn.join(', ')})`
				: `A candidate with this ${IDENTIFIER_LABELS[hiddenKind] ?? 'identifier'} already exists`,
			'DUPLICATE_CANDIDATE',
			{ matches: shown, ...(shown.length < matches.length ? { hidden_matches: matches.length - shown.length } : {}) }
		);
		this.shown = shown;
	}
}

/** The duplicate answer for `actor`: the matches they may not see stay out of it. */
async function duplicateFor(db: Executor, actor: Actor, matches: DuplicateMatch[]): Promise<DuplicateCandidate> {
	const seen = await visibleCandidateIds(
		db,
		actor,
		matches.map((m) => m.id)
	);
	return new DuplicateCandidate(
		matches,
		matches.filter((m) => seen.has(m.id))
	);
}

/**
 * Creates a candidate in an open transaction. A match by normalised e-mail, phone (E.164) or
 * LinkedIn URL → 409 with the match, unless `allowDuplicate`, which creates it marked as a
 * possible duplicate of the first match.
 */
export async function insertCandidate(
	tx: Executor,
	rt: Runtime,
	afterCommit: (cb: () => Promise<void> | void) => void,
	actor: Actor,
	input: CreateCandidateInput,
	options: CreateOptions = {}
): Promise<Candidate> {
	const values = candidateValues(input, actor.userId);
	const identities = identitiesOf(values, rt.config.DEFAULT_COUNTRY);
	const matches = await findDuplicates(tx, identities);
	if (matches.length > 0 && !options.allowDuplicate) throw await duplicateFor(tx, actor, matches);
	const [row] = await tx
		.insert(candidates)
		.values({ ...values, possibleDuplicateOfId: matches[0]?.id ?? null })
		.returning();
	await writeIdentities(tx, row.id, identities);
	await recordAudit(tx, actor, {
		action: 'candidate.created',
		entityType: 'candidate',
		entityId: row.id,
		after: auditSnapshot(publicCandidate(row)),
		metadata: { via: options.via ?? 'api', ...(matches.length ? { possible_duplicate_of: matches[0].id } : {}) }
	});
	await recordActivity(tx, rt, afterCommit, actor, {
		type: 'candidate.added',
		candidateId: row.id,
		data: { name: row.name, source: row.source, via: options.via ?? 'api' }
	});
	return row;
}

/** What became of one input of {@link insertCandidates}. */
export type BatchOutcome = { created: Candidate } | { duplicate: DuplicateCandidate };

/**
 * Creates many candidates in an open transaction with a fixed number of statements (one duplicate
 * lookup for all their identifiers, then one multi-row insert each of candidates, identities,
 * audit and activity rows), as {@link insertCandidate} would one by one: an input matching an
 * existing candidate, or an earlier input of the same batch, is not created but reported as a
 * duplicate. A row the database refuses fails the whole call (the caller retries row by row).
 */
export async function insertCandidates(
	tx: Executor,
	rt: Runtime,
	afterCommit: (cb: () => Promise<void> | void) => void,
	actor: Actor,
	inputs: CreateCandidateInput[],
	options: Pick<CreateOptions, 'via'> = {}
): Promise<BatchOutcome[]> {
	const prepared = inputs.map((input) => {
		const values = { id: crypto.randomUUID(), ...candidateValues(input, actor.userId) };
		return { values, identities: identitiesOf(values, rt.config.DEFAULT_COUNTRY) };
	});
	const existing = await findDuplicates(
		tx,
		prepared.flatMap((p) => p.identities)
	);
	// Which existing candidate (or earlier input) holds each identifier.
	const holders = new Map<string, DuplicateMatch>();
	const existingIdsOf = new Map<string, Set<string>>();
	for (const m of existing) {
		for (const key of m.matchedOn) {
			if (!existingIdsOf.has(key)) existingIdsOf.set(key, new Set());
			existingIdsOf.get(key)!.add(m.id);
		}
	}
	const existingById = new Map(existing.map((m) => [m.id, m]));
	// Earlier inputs of the batch are the caller's own: only existing candidates can be hidden.
	const seenExisting = await visibleCandidateIds(
		tx,
		actor,
		existing.map((m) => m.id)
	);
	const outcomes: Array<BatchOutcome | { pending: (typeof prepared)[number] }> = [];
	for (const p of prepared) {
		const keys = p.identities.map((i) => `${i.kind}:${i.value}`);
		const matches = new Map<string, DuplicateMatch>();
		for (const key of keys) {
			for (const id of existingIdsOf.get(key) ?? []) {
				const m = existingById.get(id)!;
				const match = matches.get(id) ?? { ...m, matchedOn: [] };
				match.matchedOn.push(key);
				matches.set(id, match);
			}
			const earlier = holders.get(key);
			if (earlier) {
				const match = matches.get(earlier.id) ?? { ...earlier, matchedOn: [] };
				match.matchedOn.push(key);
				matches.set(earlier.id, match);
			}
		}
		if (matches.size > 0) {
			const all = [...matches.values()];
			const shown = all.filter((m) => !existingById.has(m.id) || seenExisting.has(m.id));
			outcomes.push({ duplicate: new DuplicateCandidate(all, shown) });
			continue;
		}
		const self: DuplicateMatch = {
			id: p.values.id,
			name: p.values.name,
			emails: p.values.emails,
			currentTitle: p.values.currentTitle,
			matchedOn: []
		};
		for (const key of keys) holders.set(key, self);
		outcomes.push({ pending: p });
	}
	const toCreate = outcomes.flatMap((o) => ('pending' in o ? [o.pending] : []));
	const rows = toCreate.length
		? await tx
				.insert(candidates)
				.values(toCreate.map((p) => ({ ...p.values, possibleDuplicateOfId: null })))
				.returning()
		: [];
	const rowById = new Map(rows.map((r) => [r.id, r]));
	const identities = toCreate.flatMap((p) =>
		p.identities.map((i) => ({ candidateId: p.values.id, kind: i.kind, value: i.value }))
	);
	if (identities.length) await tx.insert(candidateIdentities).values(identities);
	const created = toCreate.map((p) => rowById.get(p.values.id)!);
	const via = options.via ?? 'api';
	await recordAudits(
		tx,
		actor,
		created.map((row) => ({
			action: 'candidate.created',
			entityType: 'candidate',
			entityId: row.id,
			after: auditSnapshot(publicCandidate(row)),
			metadata: { via }
		}))
	);
	await recordActivities(
		tx,
		rt,
		afterCommit,
		actor,
		created.map((row) => ({
			type: 'candidate.added',
			candidateId: row.id,
			data: { name: row.name, source: row.source, via }
		}))
	);
	return outcomes.map((o) => ('pending' in o ? { created: rowById.get(o.pending.values.id)! } : o));
}

/** Creates a candidate (recruiters, admins). */
export async function createCandidate(
	rt: Runtime,
	actor: Actor,
	input: CreateCandidateInput,
	options: CreateOptions = {}
) {
	assertCan(actor, 'create');
	const row = await inTransaction(rt.db, (tx, afterCommit) =>
		insertCandidate(tx, rt, afterCommit, actor, input, options)
	);
	return publicCandidate(row);
}

/** Follows a merge tombstone to the surviving candidate. */
async function loadCandidate(db: Executor, id: string): Promise<Candidate> {
	const [row] = await db
		.select()
		.from(candidates)
		.where(and(eq(candidates.id, id), isNull(candidates.deletedAt)));
	if (!row) throw new NotFound('Candidate');
	return row;
}

/**
 * One candidate with their applications, documents and notes. Each application names its stage
 * as the requirement's pipeline labels it, and carries its latest AI screening (score, decision,
 * gemini or heuristic) when the user may read applications.
 */
export async function getCandidate(rt: Runtime, actor: Actor, id: string) {
	await assertCanReadCandidate(rt.db, actor, id);
	const row = await loadCandidate(rt.db, id);
	const rows = await rt.db
		.select({
			id: applications.id,
			requirementId: applications.requirementId,
			requirementTitle: requirements.title,
			requirementNumber: requirements.number,
			pipelineStages: requirements.pipelineStages,
			stage: applications.stage,
			stageEnteredAt: applications.stageEnteredAt,
			rejectionReason: applications.rejectionReason,
			version: applications.version,
			createdAt: applications.createdAt
		})
		.from(applications)
		.innerJoin(requirements, eq(requirements.id, applications.requirementId))
		.where(
			and(
				eq(applications.candidateId, id),
				isNull(applications.deletedAt),
				// Only the applications to requirements the caller sees (and those they interview for).
				applicationVisibilityCondition(await departmentScope(rt.db, actor), actor)
			)
		)
		.orderBy(desc(applications.createdAt));
	const mayReadScreening = can(subjectOf(actor), 'read', 'application');
	const latestRuns =
		mayReadScreening && rows.length > 0
			? await rt.db
					.selectDistinctOn([screeningRuns.applicationId], {
						applicationId: screeningRuns.applicationId,
						score: screeningRuns.score,
						decision: screeningRuns.decision,
						source: screeningRuns.source,
						screenedAt: screeningRuns.createdAt
					})
					.from(screeningRuns)
					.where(
						inArray(
							screeningRuns.applicationId,
							rows.map((a) => a.id)
						)
					)
					.orderBy(screeningRuns.applicationId, desc(screeningRuns.createdAt), desc(screeningRuns.id))
			: [];
	const screeningOf = new Map(latestRuns.map(({ applicationId, ...run }) => [applicationId, run]));
	const apps = rows.map(({ pipelineStages, ...app }) => ({
		...app,
		stageLabel: boardColumns(pipelineStages).find((s) => s.key === app.stage)?.label ?? app.stage,
		// The requirement's columns, so the profile can offer a stage change without the board.
		stages: boardColumns(pipelineStages),
		...(mayReadScreening && { screening: screeningOf.get(app.id) ?? null })
	}));
	const documents = await rt.db
		.select({
			id: candidateDocuments.id,
			kind: candidateDocuments.kind,
			fileName: candidateDocuments.fileName,
			mimeType: candidateDocuments.mimeType,
			size: candidateDocuments.size,
			extraction: candidateDocuments.extraction,
			createdAt: candidateDocuments.createdAt
		})
		.from(candidateDocuments)
		.where(and(eq(candidateDocuments.candidateId, id), isNull(candidateDocuments.deletedAt)))
		.orderBy(desc(candidateDocuments.createdAt));
	const notes = await rt.db
		.select({
			id: candidateNotes.id,
			body: candidateNotes.body,
			authorName: users.name,
			createdAt: candidateNotes.createdAt
		})
		.from(candidateNotes)
		.innerJoin(users, eq(users.id, candidateNotes.authorId))
		.where(eq(candidateNotes.candidateId, id))
		.orderBy(desc(candidateNotes.createdAt));
	return { ...publicCandidate(row), applications: apps, documents, notes };
}

/** Changes a candidate (version-checked); identifiers are recomputed for duplicate detection. */
export async function updateCandidate(rt: Runtime, actor: Actor, id: string, input: UpdateCandidateInput) {
	assertCan(actor, 'update');
	await assertCandidateInScope(rt.db, actor, id);
	const row = await inTransaction(rt.db, async (tx, afterCommit) => {
		const before = await lockForUpdate(
			tx,
			candidates,
			id,
			input.version,
			'Candidate',
			and(isNull(candidates.deletedAt), isNull(candidates.mergedIntoId))
		);
		const changes: Partial<Candidate> = {};
		const map: Array<[keyof UpdateCandidateInput, keyof Candidate]> = [
			['name', 'name'],
			['phone', 'phone'],
			['location', 'location'],
			['linkedin_url', 'linkedinUrl'],
			['github_url', 'githubUrl'],
			['portfolio_url', 'portfolioUrl'],
			['current_title', 'currentTitle'],
			['current_company', 'currentCompany'],
			['source', 'source'],
			['referred_by_id', 'referredById'],
			['referrer_name', 'referrerName'],
			['consent_purpose', 'consentPurpose'],
			['ai_excluded', 'aiExcluded']
		];
		for (const [field, column] of map) {
			if (input[field] !== undefined) (changes as Record<string, unknown>)[column] = input[field];
		}
		if (input.emails !== undefined) changes.emails = [...new Set(input.emails)];
		if (input.tags !== undefined) changes.tags = normalizeTags(input.tags);
		if (input.consent_given_at !== undefined)
			changes.consentGivenAt = input.consent_given_at ? new Date(input.consent_given_at) : null;
		if (input.consent_until !== undefined)
			changes.consentUntil = input.consent_until ? new Date(input.consent_until) : null;
		const [after] = await tx
			.update(candidates)
			.set({ ...changes, version: before.version + 1 })
			.where(eq(candidates.id, id))
			.returning();
		if ('emails' in changes || 'phone' in changes || 'linkedinUrl' in changes) {
			await writeIdentities(tx, id, identitiesOf(after, rt.config.DEFAULT_COUNTRY));
		}
		await recordAudit(tx, actor, {
			action: 'candidate.updated',
			entityType: 'candidate',
			entityId: id,
			before: auditSnapshot(publicCandidate(before)),
			after: auditSnapshot(publicCandidate(after))
		});
		await recordActivity(tx, rt, afterCommit, actor, {
			type: 'candidate.updated',
			candidateId: id,
			data: { fields: Object.keys(changes) }
		});
		return after;
	});
	return publicCandidate(row);
}

/** Soft-deletes a candidate (admins); their applications leave the boards. */
export async function deleteCandidate(rt: Runtime, actor: Actor, id: string) {
	assertCan(actor, 'delete');
	await inTransaction(rt.db, async (tx, afterCommit) => {
		const before = await lockForUpdate(tx, candidates, id, undefined, 'Candidate', isNull(candidates.deletedAt));
		await tx
			.update(candidates)
			.set({ deletedAt: new Date(), version: before.version + 1 })
			.where(eq(candidates.id, id));
		const closed = await tx
			.update(applications)
			.set({ deletedAt: new Date() })
			.where(and(eq(applications.candidateId, id), isNull(applications.deletedAt)))
			.returning({ id: applications.id, requirementId: applications.requirementId });
		for (const app of closed) mirrorToBoard(rt, afterCommit, app.requirementId, [app.id]);
		await recordAudit(tx, actor, {
			action: 'candidate.deleted',
			entityType: 'candidate',
			entityId: id,
			before: auditSnapshot(publicCandidate(before))
		});
	});
}

/** Both candidates had applied to one requirement: the application kept and the one closed. */
export interface MergeClash {
	requirementId: string;
	closedApplicationId: string;
	closedStage: string;
	keptApplicationId: string;
	keptStage: string;
}

/**
 * Merges `duplicateId` into `survivorId`: applications, documents, notes and identifiers move
 * to the survivor, which keeps every e-mail and tag and fills its empty fields from the
 * duplicate. When both applied to the same requirement, the application further in the
 * pipeline stays and the other is closed (kept soft-deleted with its history, audited, noted in the
 * kept one's stage history, and reported in the answer). The
 * duplicate stays as a tombstone pointing to the survivor. Audited on both.
 */
export async function mergeCandidates(rt: Runtime, actor: Actor, survivorId: string, duplicateId: string) {
	assertCan(actor, 'update');
	if (survivorId === duplicateId)
		throw new ValidationFailed([{ field: 'duplicate_id', message: 'A candidate cannot be merged into itself' }]);
	// Both must be the caller's to see: a merge moves one's history onto the other.
	await assertCandidateInScope(rt.db, actor, survivorId);
	await assertCandidateInScope(rt.db, actor, duplicateId);
	const row = await inTransaction(rt.db, async (tx, afterCommit) => {
		// Lock in id order so two opposite merges cannot deadlock.
		const locked = await tx
			.select()
			.from(candidates)
			.where(and(inArray(candidates.id, [survivorId, duplicateId]), isNull(candidates.deletedAt)))
			.orderBy(asc(candidates.id))
			.for('update');
		const survivor = locked.find((c) => c.id === survivorId);
		const duplicate = locked.find((c) => c.id === duplicateId);
		if (!survivor) throw new NotFound('Candidate');
		if (!duplicate) throw new NotFound('Duplicate candidate');
		if (survivor.mergedIntoId || duplicate.mergedIntoId)
			throw new Conflict('One of these candidates was already merged', 'ALREADY_MERGED');

		const survivorApps = await tx
			.select()
			.from(applications)
			.where(and(eq(applications.candidateId, survivorId), isNull(applications.deletedAt)));
		const duplicateApps = await tx
			.select()
			.from(applications)
			.where(and(eq(applications.candidateId, duplicateId), isNull(applications.deletedAt)));
		const closed: string[] = [];
		const clashes: MergeClash[] = [];
		for (const app of duplicateApps) {
			const clash = survivorApps.find((a) => a.requirementId === app.requirementId);
			if (!clash) {
				await tx
					.update(applications)
					.set({ candidateId: survivorId, version: app.version + 1 })
					.where(eq(applications.id, app.id));
				continue;
			}
			// Keep the one that moved further (the later stage change); close the other.
			const keepDuplicate = app.stageEnteredAt > clash.stageEnteredAt;
			const drop = keepDuplicate ? clash : app;
			if (keepDuplicate) {
				await tx.update(applications).set({ deletedAt: new Date() }).where(eq(applications.id, clash.id));
				await tx
					.update(applications)
					.set({ candidateId: survivorId, version: app.version + 1 })
					.where(eq(applications.id, app.id));
			} else {
				await tx.update(applications).set({ deletedAt: new Date() }).where(eq(applications.id, app.id));
			}
			const keep = keepDuplicate ? app : clash;
			closed.push(drop.id);
			clashes.push({
				requirementId: drop.requirementId,
				closedApplicationId: drop.id,
				closedStage: drop.stage,
				keptApplicationId: keep.id,
				keptStage: keep.stage
			});
			// The closed application keeps its own history (soft-deleted, still readable); the kept
			// one says in its history what was folded into it, and the closing is audited.
			await tx.insert(applicationStageHistory).values({
				applicationId: keep.id,
				fromStage: keep.stage,
				toStage: keep.stage,
				movedBy: actor.userId,
				via: 'merge',
				reason: `Merged duplicate application (was in ${drop.stage})`
			});
			await recordAudit(tx, actor, {
				action: 'application.closed_by_merge',
				entityType: 'application',
				entityId: drop.id,
				before: auditSnapshot(drop),
				metadata: { kept_application_id: keep.id, survivor_id: survivorId, duplicate_id: duplicateId }
			});
			mirrorToBoard(rt, afterCommit, drop.requirementId, [drop.id]);
		}
		await tx
			.update(candidateDocuments)
			.set({ candidateId: survivorId })
			.where(eq(candidateDocuments.candidateId, duplicateId));
		await tx.update(candidateNotes).set({ candidateId: survivorId }).where(eq(candidateNotes.candidateId, duplicateId));
		await tx.delete(candidateIdentities).where(eq(candidateIdentities.candidateId, duplicateId));

		const fill = <K extends keyof Candidate>(key: K) => survivor[key] ?? duplicate[key];
		const [after] = await tx
			.update(candidates)
			.set({
				emails: [...new Set([...survivor.emails, ...duplicate.emails])],
				tags: normalizeTags([...survivor.tags, ...duplicate.tags]),
				phone: fill('phone'),
				location: fill('location'),
				linkedinUrl: fill('linkedinUrl'),
				githubUrl: fill('githubUrl'),
				portfolioUrl: fill('portfolioUrl'),
				currentTitle: fill('currentTitle'),
				currentCompany: fill('currentCompany'),
				referrerName: fill('referrerName'),
				referredById: fill('referredById'),
				consentGivenAt: fill('consentGivenAt'),
				consentPurpose: fill('consentPurpose'),
				consentUntil: fill('consentUntil'),
				aiExcluded: survivor.aiExcluded || duplicate.aiExcluded,
				cvText: survivor.cvText || duplicate.cvText,
				possibleDuplicateOfId: null,
				version: survivor.version + 1
			})
			.where(eq(candidates.id, survivorId))
			.returning();
		await writeIdentities(tx, survivorId, identitiesOf(after, rt.config.DEFAULT_COUNTRY));
		await tx
			.update(candidates)
			.set({ mergedIntoId: survivorId, version: duplicate.version + 1 })
			.where(eq(candidates.id, duplicateId));
		await tx
			.update(candidates)
			.set({ possibleDuplicateOfId: survivorId })
			.where(eq(candidates.possibleDuplicateOfId, duplicateId));
		const metadata = {
			survivor_id: survivorId,
			duplicate_id: duplicateId,
			moved_applications: duplicateApps.length - closed.length,
			closed_applications: closed
		};
		await recordAudit(tx, actor, {
			action: 'candidate.merged',
			entityType: 'candidate',
			entityId: survivorId,
			before: auditSnapshot(publicCandidate(survivor)),
			after: auditSnapshot(publicCandidate(after)),
			metadata
		});
		await recordAudit(tx, actor, {
			action: 'candidate.merged_into',
			entityType: 'candidate',
			entityId: duplicateId,
			before: auditSnapshot(publicCandidate(duplicate)),
			metadata
		});
		await recordActivity(tx, rt, afterCommit, actor, {
			type: 'candidate.merged',
			candidateId: survivorId,
			data: { duplicate_name: duplicate.name }
		});
		return {
			after,
			movedApplications: duplicateApps.length - closed.length,
			clashes,
			touchedRequirements: [...new Set([...duplicateApps, ...survivorApps].map((a) => a.requirementId))]
		};
	});
	return {
		candidate: publicCandidate(row.after),
		merge: { movedApplications: row.movedApplications, closedApplications: row.clashes },
		touchedRequirements: row.touchedRequirements
	};
}

/** Adds a note to a candidate. */
export async function addCandidateNote(rt: Runtime, actor: Actor, candidateId: string, body: string) {
	assertCan(actor, 'update');
	const authorId = actor.userId;
	if (!authorId) throw new Forbidden();
	await assertCandidateInScope(rt.db, actor, candidateId);
	return inTransaction(rt.db, async (tx, afterCommit) => {
		await loadCandidate(tx, candidateId);
		const [note] = await tx.insert(candidateNotes).values({ candidateId, authorId, body }).returning();
		await recordAudit(tx, actor, {
			action: 'candidate.note_added',
			entityType: 'candidate',
			entityId: candidateId,
			metadata: { note_id: note.id }
		});
		await recordActivity(tx, rt, afterCommit, actor, {
			type: 'note.added',
			candidateId,
			data: { excerpt: body.slice(0, 140) }
		});
		return note;
	});
}
