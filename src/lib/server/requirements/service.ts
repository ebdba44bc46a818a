import { and, eq, isNull } from 'drizzle-orm';
import {
	allowedActions,
	APPROVAL_RELEVANT_FIELDS,
	EDITABLE_STATUSES,
	requirementReference,
	TRANSITIONS,
	type RequirementAction
} from '../../domain/requirements';
import { can, type Relation } from '../../permissions';
import type { CreateRequirementInput, ListRequirementsQuery, UpdateRequirementInput } from '../../schemas/requirements';
import { subjectOf, type Actor } from '../actor';
import { cancelChain, resetChain, startChain } from '../approvals/engine';
import type { Unit } from '../approvals/types';
import { setStatus, toApprovalSubject } from './status';
import { auditSnapshot, recordAudit } from '../audit/audit';
import type { Executor, Transaction } from '../db/client';
import { lockForUpdate } from '../db/locking';
import { ReadModelCache } from '../cache/read-model-cache';
import { inTransaction } from '../db/transaction';
import { comments, departments, jobLevels, requirements, users, type Requirement } from '../db/schema';
import { Conflict, Forbidden, NotFound, ValidationFailed, type FieldIssue } from '../errors';
import type { Page } from '../http/envelope';
import { notify } from '../notifications/service';
import type { Runtime } from '../runtime';
import { departmentScope, type DepartmentScope } from '../scope/departments';
import { findRequirementView, queryRequirements, type RequirementView } from './queries';
import { assertSeesRequirement, scopedRelationsTo, visibleRequirementCondition } from './visibility';

/** How the actor relates to a requirement (the permission module decides what that allows). */
export function relationsTo(actor: Actor, r: Pick<Requirement, 'hiringManagerId' | 'createdBy'>): Relation[] {
	return actor.userId && (r.hiringManagerId === actor.userId || r.createdBy === actor.userId) ? ['owner'] : [];
}

/**
 * What the actor may do with a requirement, for the page's buttons and the API answer, given its
 * relations (`relationsTo`, plus `outside_departments` when it lies outside their departments).
 */
export function capabilities(
	actor: Actor,
	r: Pick<Requirement, 'hiringManagerId' | 'createdBy' | 'status'>,
	relations: Relation[] = relationsTo(actor, r)
) {
	const subject = subjectOf(actor);
	const canUpdate = can(subject, 'update', 'requirement', relations);
	const canManage = can(subject, 'manage', 'requirement', relations);
	const actions = allowedActions(r.status).filter((action) =>
		action === 'open' || action === 'fill' ? canManage : canUpdate
	);
	return {
		canEdit: canUpdate && EDITABLE_STATUSES.includes(r.status),
		canEditDescription: can(subject, 'update', 'requirement_description', relations),
		canPublish: canManage && r.status === 'open',
		canComment: can(subject, 'read', 'requirement'),
		canDelete: can(subject, 'delete', 'requirement') && ['draft', 'cancelled', 'rejected'].includes(r.status),
		actions
	};
}

export type RequirementDetail = RequirementView & { capabilities: ReturnType<typeof capabilities> };

function withCapabilities(actor: Actor, view: RequirementView, relations: Relation[]): RequirementDetail {
	return { ...view, capabilities: capabilities(actor, view, relations) };
}

/**
 * One requirement, with names and what the caller may do with it. One outside the caller's
 * departments (and not theirs, nor one they approve) is 404, as if it did not exist.
 */
export async function getRequirement(rt: Runtime, actor: Actor, id: string): Promise<RequirementDetail> {
	if (!can(subjectOf(actor), 'read', 'requirement')) throw new Forbidden();
	const view = await findRequirementView(rt.db, id);
	if (!view) throw new NotFound('Requirement');
	return withCapabilities(actor, view, await assertSeesRequirement(rt.db, actor, view));
}

/** Forbidden for a write the actor's relations do not allow (a requirement outside their departments). */
function authorizeOn(actor: Actor, scope: DepartmentScope, action: 'update' | 'manage', message: string) {
	return (row: Requirement) => {
		if (!can(subjectOf(actor), action, 'requirement', scopedRelationsTo(actor, row, scope))) {
			throw new Forbidden(message);
		}
	};
}

/**
 * List pages per filter set, served from memory while no requirement (or a name shown next to
 * one) has changed: the list is the most read page of the product, and its query with joins
 * and row mapping cost several times the rest of the request.
 */
const listCache = new ReadModelCache<Page<RequirementView>>('requirements_list', 256, true);

/** Requirements by status, department, hiring manager and text, paginated. */
export async function listRequirements(
	rt: Runtime,
	actor: Actor,
	q: ListRequirementsQuery
): Promise<Page<RequirementDetail>> {
	if (!can(subjectOf(actor), 'list', 'requirement')) throw new Forbidden();
	const scope = await departmentScope(rt.db, actor);
	// A user limited to departments gets their own page, straight from the database: the cache
	// is invalidated by requirement changes, not by the approvals that also make one visible.
	const page =
		scope === null
			? await listCache.get(rt.db, JSON.stringify(q), () => queryRequirements(rt.db, q))
			: await queryRequirements(rt.db, q, visibleRequirementCondition(scope, actor));
	return { ...page, items: page.items.map((v) => withCapabilities(actor, v, scopedRelationsTo(actor, v, scope))) };
}

async function assertReferences(
	tx: Executor,
	refs: { departmentId?: string; jobLevelId?: string | null; hiringManagerId?: string }
): Promise<void> {
	const issues: FieldIssue[] = [];
	if (refs.departmentId) {
		const [d] = await tx
			.select({ id: departments.id })
			.from(departments)
			.where(and(eq(departments.id, refs.departmentId), isNull(departments.deletedAt)));
		if (!d) issues.push({ field: 'department_id', message: 'No such department' });
	}
	if (refs.jobLevelId) {
		const [l] = await tx
			.select({ id: jobLevels.id })
			.from(jobLevels)
			.where(and(eq(jobLevels.id, refs.jobLevelId), isNull(jobLevels.deletedAt)));
		if (!l) issues.push({ field: 'job_level_id', message: 'No such job level' });
	}
	if (refs.hiringManagerId) {
		const [u] = await tx
			.select({ role: users.role, active: users.isActive })
			.from(users)
			.where(and(eq(users.id, refs.hiringManagerId), isNull(users.deletedAt)));
		if (!u || !u.active) issues.push({ field: 'hiring_manager_id', message: 'No such active user' });
		else if (!['hiring_manager', 'admin', 'super_admin'].includes(u.role)) {
			issues.push({
				field: 'hiring_manager_id',
				message: 'The hiring manager must have the hiring manager (or admin) role'
			});
		}
	}
	if (issues.length) throw new ValidationFailed(issues);
}

/** Creates a draft requirement. Hiring managers create their own; admins may name the manager. */
export async function createRequirement(
	rt: Runtime,
	actor: Actor,
	input: CreateRequirementInput
): Promise<RequirementDetail> {
	const subject = subjectOf(actor);
	if (!subject || !can(subject, 'create', 'requirement'))
		throw new Forbidden('Only hiring managers and admins create requirements');
	const isAdmin = subject.role === 'admin' || subject.role === 'super_admin';
	const hiringManagerId = input.hiring_manager_id ?? subject.id;
	if (!isAdmin && hiringManagerId !== subject.id) {
		throw new Forbidden('Hiring managers create requirements for themselves');
	}
	const id = await inTransaction(rt.db, async (tx) => {
		await assertReferences(tx, { departmentId: input.department_id, jobLevelId: input.job_level_id, hiringManagerId });
		const [row] = await tx
			.insert(requirements)
			.values({
				title: input.title,
				departmentId: input.department_id,
				jobLevelId: input.job_level_id ?? null,
				hiringManagerId,
				headcount: input.headcount,
				employmentType: input.employment_type,
				locationCity: input.location_city ?? null,
				locationCountry: input.location_country ?? null,
				remotePolicy: input.remote_policy,
				salaryMin: input.salary_min ?? null,
				salaryMax: input.salary_max ?? null,
				currency: input.currency ?? null,
				targetStartDate: input.target_start_date ?? null,
				justification: input.justification ?? null,
				mustHaveSkills: input.must_have_skills ?? [],
				niceToHaveSkills: input.nice_to_have_skills ?? [],
				createdBy: subject.id
			})
			.returning();
		await recordAudit(tx, actor, {
			action: 'requirement.created',
			entityType: 'requirement',
			entityId: row.id,
			after: auditSnapshot(stripSearch(row))
		});
		return row.id;
	});
	return getRequirement(rt, actor, id);
}

function stripSearch(row: Requirement): Omit<Requirement, 'searchVector'> {
	const { searchVector: _s, ...rest } = row;
	return rest;
}

const FIELD_MAP = {
	title: 'title',
	department_id: 'departmentId',
	job_level_id: 'jobLevelId',
	hiring_manager_id: 'hiringManagerId',
	headcount: 'headcount',
	employment_type: 'employmentType',
	location_city: 'locationCity',
	location_country: 'locationCountry',
	remote_policy: 'remotePolicy',
	salary_min: 'salaryMin',
	salary_max: 'salaryMax',
	currency: 'currency',
	target_start_date: 'targetStartDate',
	justification: 'justification',
	must_have_skills: 'mustHaveSkills',
	nice_to_have_skills: 'niceToHaveSkills'
} as const satisfies Record<Exclude<keyof UpdateRequirementInput, 'version'>, keyof Requirement>;

function sameValue(a: unknown, b: unknown): boolean {
	return JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
}

/**
 * Changes a requirement's fields, based on `version` (a stale one → 409 with the current
 * record). Changing salary, headcount, level or department of a requirement that is pending,
 * approved, open or on hold sends it back through approval from step 1 (audited).
 */
export async function updateRequirement(
	rt: Runtime,
	actor: Actor,
	id: string,
	input: UpdateRequirementInput
): Promise<RequirementDetail> {
	const scope = await departmentScope(rt.db, actor);
	await inTransaction(
		rt.db,
		async (tx, afterCommit) => {
			const before = await lockForUpdate(
				tx,
				requirements,
				id,
				input.version,
				'Requirement',
				isNull(requirements.deletedAt),
				{ authorize: authorizeOn(actor, scope, 'update', 'Only its hiring manager and admins edit a requirement') }
			);
			if (!EDITABLE_STATUSES.includes(before.status)) {
				throw new Conflict(`A ${before.status} requirement cannot be edited`, 'NOT_EDITABLE');
			}
			const changes: Partial<Requirement> = {};
			for (const [apiField, column] of Object.entries(FIELD_MAP) as Array<
				[keyof typeof FIELD_MAP, (typeof FIELD_MAP)[keyof typeof FIELD_MAP]]
			>) {
				const value = input[apiField];
				if (value === undefined) continue;
				if (!sameValue(value, before[column])) (changes as Record<string, unknown>)[column] = value;
			}
			if (changes.hiringManagerId && actor.role !== 'admin' && actor.role !== 'super_admin') {
				throw new Forbidden('Only admins hand a requirement to another hiring manager');
			}
			const next = { ...before, ...changes };
			if (next.salaryMin != null && next.salaryMax != null && next.salaryMin > next.salaryMax) {
				throw new ValidationFailed([{ field: 'salary_max', message: 'The maximum must be at least the minimum' }]);
			}
			if ((next.salaryMin != null || next.salaryMax != null) && !next.currency) {
				throw new ValidationFailed([{ field: 'currency', message: 'A salary range needs a currency' }]);
			}
			if (Object.keys(changes).length === 0) return;
			await assertReferences(tx, {
				departmentId: changes.departmentId,
				jobLevelId: changes.jobLevelId,
				hiringManagerId: changes.hiringManagerId
			});
			const relevant = APPROVAL_RELEVANT_FIELDS.filter((f) => f in changes);
			// On hold, it was approved (hold is only possible from approved or open): editing it must not
			// let `reopen` bring it back approved with fields nobody approved.
			const resets = relevant.length > 0 && ['pending_approval', 'approved', 'open', 'on_hold'].includes(before.status);
			const statusChange: Partial<Requirement> = resets
				? {
						status: 'pending_approval',
						statusBeforeHold: null,
						approvedAt: null,
						published: false,
						submittedAt: new Date(),
						submittedBy: actor.userId
					}
				: {};
			const [after] = await tx
				.update(requirements)
				.set({ ...changes, ...statusChange, version: before.version + 1 })
				.where(eq(requirements.id, id))
				.returning();
			await recordAudit(tx, actor, {
				action: 'requirement.updated',
				entityType: 'requirement',
				entityId: id,
				before: pick(stripSearch(before), Object.keys({ ...changes, ...statusChange })),
				after: pick(stripSearch(after), Object.keys({ ...changes, ...statusChange })),
				metadata: resets ? { approvals_reset: true, fields: relevant } : null
			});
			if (resets) {
				const unit: Unit = { rt, actor, tx, afterCommit };
				await resetChain(unit, toApprovalSubject(after), `Changed ${relevant.join(', ')} after submission`);
			}
		},
		(err) => rt.logger.error({ err }, 'after-commit work failed')
	);
	return getRequirement(rt, actor, id);
}

function pick(record: object, keys: string[]): Record<string, unknown> {
	const source = auditSnapshot(record) ?? {};
	return Object.fromEntries(keys.filter((k) => k in source).map((k) => [k, source[k]]));
}

async function recruiterIds(tx: Transaction): Promise<string[]> {
	const rows = await tx
		.select({ id: users.id })
		.from(users)
		.where(and(eq(users.role, 'recruiter'), eq(users.isActive, true), isNull(users.deletedAt)));
	return rows.map((r) => r.id);
}

/**
 * Moves a requirement through its lifecycle (submit, cancel, hold, reopen, open, fill). An action
 * not allowed from the current status → 409 naming the allowed ones.
 */
export async function transitionRequirement(
	rt: Runtime,
	actor: Actor,
	id: string,
	action: RequirementAction,
	options: { comment?: string | null; version?: number } = {}
): Promise<RequirementDetail> {
	const scope = await departmentScope(rt.db, actor);
	await inTransaction(
		rt.db,
		async (tx, afterCommit) => {
			const unit: Unit = { rt, actor, tx, afterCommit };
			const needed = action === 'open' || action === 'fill' ? 'manage' : 'update';
			const before = await lockForUpdate(
				tx,
				requirements,
				id,
				options.version,
				'Requirement',
				isNull(requirements.deletedAt),
				{ authorize: authorizeOn(actor, scope, needed, `You may not ${action} this requirement`) }
			);
			const target = TRANSITIONS[action][before.status];
			if (!target) {
				const allowed = allowedActions(before.status);
				throw new Conflict(
					`Cannot ${action} a requirement that is ${before.status.replace('_', ' ')}; allowed: ${allowed.join(', ') || 'none'}`,
					'ILLEGAL_TRANSITION',
					{ status: before.status, allowed_actions: allowed }
				);
			}
			const meta = options.comment ? { comment: options.comment } : null;
			switch (action) {
				case 'submit': {
					const after = await setStatus(
						unit,
						before,
						'pending_approval',
						'submitted',
						{ submittedBy: actor.userId, submittedAt: new Date() },
						meta
					);
					await startChain(unit, toApprovalSubject(after));
					break;
				}
				case 'cancel':
					await cancelChain(unit, 'requirement', id, options.comment ?? 'Requirement cancelled');
					await setStatus(unit, before, 'cancelled', 'cancelled', { published: false }, meta);
					break;
				case 'hold':
					await setStatus(unit, before, 'on_hold', 'held', { statusBeforeHold: before.status }, meta);
					break;
				case 'reopen': {
					const to = target === 'previous' ? (before.statusBeforeHold ?? 'approved') : target;
					await setStatus(unit, before, to, 'reopened', { statusBeforeHold: null }, meta);
					break;
				}
				case 'open': {
					const after = await setStatus(unit, before, 'open', 'opened', { openedAt: new Date() }, meta);
					await notify(unit, {
						userIds: (await recruiterIds(tx)).filter((uid) => uid !== actor.userId),
						kind: 'requirement_opened',
						title: `Now recruiting: ${after.title}`,
						body: `${requirementReference(after.number)} "${after.title}" is open for recruiting (${after.headcount} to hire).`,
						link: `/requirements/${id}`,
						subjectType: 'requirement',
						subjectId: id
					});
					break;
				}
				case 'fill':
					await setStatus(unit, before, 'filled', 'filled', { filledAt: new Date() }, meta);
					break;
			}
		},
		(err) => rt.logger.error({ err }, 'after-commit work failed')
	);
	return getRequirement(rt, actor, id);
}

/** How long a posting stays up when the publisher gives no end date (Google's job results want one). */
export const DEFAULT_POSTING_DAYS = 60;

/**
 * The end date a posting gets on publishing: the one given; else the one it had, if still ahead;
 * else {@link DEFAULT_POSTING_DAYS} from today.
 */
export function postingValidThroughFor(given: string | null | undefined, stored: string | null, now = new Date()) {
	if (given) return given;
	const today = now.toISOString().slice(0, 10);
	if (stored && stored >= today) return stored;
	return new Date(now.getTime() + DEFAULT_POSTING_DAYS * 86_400_000).toISOString().slice(0, 10);
}

/**
 * A posting must say where the job is: search engines drop a JobPosting without a location, and
 * candidates need it. On-site and hybrid jobs need a city and a country (`jobLocation`); a remote
 * job needs the country its applicants must live in (`applicantLocationRequirements`).
 */
export function postingLocationIssues(r: Pick<Requirement, 'locationCity' | 'locationCountry' | 'remotePolicy'>) {
	const issues: FieldIssue[] = [];
	if (!r.locationCountry) {
		issues.push({
			field: 'location_country',
			message:
				r.remotePolicy === 'remote'
					? 'Set the country remote applicants must live in before publishing'
					: 'Set the country of the job before publishing'
		});
	}
	if (r.remotePolicy !== 'remote' && !r.locationCity?.trim()) {
		issues.push({ field: 'location_city', message: 'Set the city of an on-site or hybrid job before publishing' });
	}
	return issues;
}

/** Publishes an open requirement on the careers page (or takes it down). */
export async function setPublished(
	rt: Runtime,
	actor: Actor,
	id: string,
	published: boolean,
	validThrough: string | null | undefined
): Promise<RequirementDetail> {
	const scope = await departmentScope(rt.db, actor);
	await inTransaction(rt.db, async (tx) => {
		const before = await lockForUpdate(tx, requirements, id, undefined, 'Requirement', isNull(requirements.deletedAt));
		authorizeOn(actor, scope, 'manage', 'You may not publish this requirement')(before);
		if (published && before.status !== 'open') {
			throw new Conflict('Only an open requirement can be published', 'NOT_OPEN', { status: before.status });
		}
		if (published) {
			const missing = postingLocationIssues(before);
			if (missing.length) throw new ValidationFailed(missing, 'A job posting needs a location');
		}
		const [after] = await tx
			.update(requirements)
			.set({
				published,
				publishedAt: published ? (before.published ? before.publishedAt : new Date()) : before.publishedAt,
				postingValidThrough: published
					? postingValidThroughFor(validThrough, before.postingValidThrough)
					: validThrough !== undefined
						? validThrough
						: before.postingValidThrough,
				version: before.version + 1
			})
			.where(eq(requirements.id, id))
			.returning();
		await recordAudit(tx, actor, {
			action: published ? 'requirement.published' : 'requirement.unpublished',
			entityType: 'requirement',
			entityId: id,
			before: { published: before.published, postingValidThrough: before.postingValidThrough },
			after: { published: after.published, postingValidThrough: after.postingValidThrough }
		});
	});
	return getRequirement(rt, actor, id);
}

/** Soft-deletes a draft, rejected or cancelled requirement (admins). */
export async function deleteRequirement(rt: Runtime, actor: Actor, id: string): Promise<void> {
	if (!can(subjectOf(actor), 'delete', 'requirement')) throw new Forbidden();
	await inTransaction(rt.db, async (tx) => {
		const before = await lockForUpdate(tx, requirements, id, undefined, 'Requirement', isNull(requirements.deletedAt));
		if (!['draft', 'cancelled', 'rejected'].includes(before.status)) {
			throw new Conflict('Cancel the requirement before deleting it', 'NOT_DELETABLE', { status: before.status });
		}
		await tx
			.update(requirements)
			.set({ deletedAt: new Date(), version: before.version + 1 })
			.where(eq(requirements.id, id));
		await recordAudit(tx, actor, {
			action: 'requirement.deleted',
			entityType: 'requirement',
			entityId: id,
			before: auditSnapshot(stripSearch(before))
		});
	});
}

/** Adds a comment to a requirement's timeline. */
export async function addComment(rt: Runtime, actor: Actor, id: string, body: string) {
	if (!actor.userId || !can(subjectOf(actor), 'read', 'requirement')) throw new Forbidden();
	const authorId = actor.userId;
	return inTransaction(rt.db, async (tx) => {
		const [r] = await tx
			.select({
				id: requirements.id,
				departmentId: requirements.departmentId,
				hiringManagerId: requirements.hiringManagerId,
				createdBy: requirements.createdBy
			})
			.from(requirements)
			.where(and(eq(requirements.id, id), isNull(requirements.deletedAt)));
		if (!r) throw new NotFound('Requirement');
		await assertSeesRequirement(tx, actor, r);
		const [row] = await tx
			.insert(comments)
			.values({ subjectType: 'requirement', subjectId: id, authorId, body })
			.returning();
		await recordAudit(tx, actor, {
			action: 'requirement.commented',
			entityType: 'requirement',
			entityId: id,
			metadata: { comment_id: row.id }
		});
		return row;
	});
}
