import { and, asc, count, desc, eq, gt, gte, inArray, isNull, lt, lte, ne, sql, type SQL } from 'drizzle-orm';
import { randomUUID } from 'node:crypto';
import { INTERVIEW_TYPE_LABELS } from '../../domain/interviews';
import { can, type Relation } from '../../permissions';
import type { ScheduleInterviewInput, UpdateInterviewInput } from '../../schemas/interviews';
import { subjectOf, type Actor } from '../actor';
import { recordAudit, auditSnapshot } from '../audit/audit';
import type { Executor, Transaction } from '../db/client';
import { lockForUpdate } from '../db/locking';
import { inTransaction, type AfterCommit } from '../db/transaction';
import {
	applications,
	candidates,
	interviewFeedback,
	interviewPanelists,
	interviews,
	requirements,
	requirementScorecardTemplates,
	scorecardTemplates,
	users,
	type Interview
} from '../db/schema';
import { Conflict, Forbidden, NotFound, ValidationFailed } from '../errors';
import type { Page } from '../http/envelope';
import { scopedRelationsTo } from '../requirements/visibility';
import type { Runtime } from '../runtime';
import { departmentScope, requirementScopeCondition, type DepartmentScope } from '../scope/departments';
import { notify } from '../notifications/service';
import { wantsEmail } from '../../domain/notifications';
import { sendInterviewInvitationJob } from '$worker/jobs/interview-invitation';

export interface PanelMember {
	userId: string;
	name: string;
	email: string;
	isLead: boolean;
	submitted: boolean;
}

/**
 * Relations of the actor to an interview: panelist, or owner (hiring manager of its requirement),
 * and `outside_departments` when its requirement lies outside the actor's departments (a seat on
 * the panel still counts: that is a direct relation).
 */
export async function interviewRelations(
	db: Executor,
	actor: Actor,
	interview: Pick<Interview, 'id' | 'requirementId'>
): Promise<Relation[]> {
	if (!actor.userId) return [];
	const relations: Relation[] = [];
	const [panel] = await db
		.select({ userId: interviewPanelists.userId })
		.from(interviewPanelists)
		.where(and(eq(interviewPanelists.interviewId, interview.id), eq(interviewPanelists.userId, actor.userId)));
	if (panel) relations.push('panelist');
	relations.push(...(await requirementRelations(db, actor, interview.requirementId)));
	return relations;
}

/** The actor's relations to a requirement: owner, or outside_departments (see `scopedRelationsTo`). */
async function requirementRelations(db: Executor, actor: Actor, requirementId: string): Promise<Relation[]> {
	const [req] = await db
		.select({
			hiringManagerId: requirements.hiringManagerId,
			createdBy: requirements.createdBy,
			departmentId: requirements.departmentId
		})
		.from(requirements)
		.where(eq(requirements.id, requirementId));
	return req ? scopedRelationsTo(actor, req, await departmentScope(db, actor)) : [];
}

/** A list filter over `interviews`: those of requirements the actor sees (undefined: all). */
function interviewScopeCondition(scope: DepartmentScope, actor: Actor): SQL | undefined {
	const visible = requirementScopeCondition(scope, actor);
	if (!visible) return undefined;
	return sql`exists (select 1 from ${requirements} where ${requirements.id} = ${interviews.requirementId} and ${visible})`;
}

async function panelOf(db: Executor, interviewId: string): Promise<PanelMember[]> {
	const rows = await db
		.select({
			userId: interviewPanelists.userId,
			name: users.name,
			email: users.email,
			isLead: interviewPanelists.isLead
		})
		.from(interviewPanelists)
		.innerJoin(users, eq(users.id, interviewPanelists.userId))
		.where(eq(interviewPanelists.interviewId, interviewId))
		.orderBy(desc(interviewPanelists.isLead), asc(users.name));
	const submitted = await db
		.selectDistinct({ userId: interviewFeedback.userId })
		.from(interviewFeedback)
		.where(eq(interviewFeedback.interviewId, interviewId));
	const done = new Set(submitted.map((s) => s.userId));
	return rows.map((r) => ({ ...r, submitted: done.has(r.userId) }));
}

export interface Conflicting {
	userId: string;
	name: string;
	interviewId: string;
	startsAt: Date;
	endsAt: Date;
}

/** Panelists who already have a scheduled interview overlapping [start, end). A warning, not a refusal. */
export async function findConflicts(
	db: Executor,
	userIds: string[],
	start: Date,
	end: Date,
	excludeId?: string
): Promise<Conflicting[]> {
	if (userIds.length === 0) return [];
	const rows = await db
		.select({
			userId: interviewPanelists.userId,
			name: users.name,
			interviewId: interviews.id,
			startsAt: interviews.startsAt,
			endsAt: interviews.endsAt
		})
		.from(interviewPanelists)
		.innerJoin(interviews, eq(interviews.id, interviewPanelists.interviewId))
		.innerJoin(users, eq(users.id, interviewPanelists.userId))
		.where(
			and(
				inArray(interviewPanelists.userId, userIds),
				eq(interviews.status, 'scheduled'),
				isNull(interviews.deletedAt),
				lt(interviews.startsAt, end),
				gt(interviews.endsAt, start),
				excludeId ? ne(interviews.id, excludeId) : undefined
			)
		);
	return rows;
}

async function assertPanel(tx: Executor, panel: ScheduleInterviewInput['panel']) {
	const ids = panel.map((p) => p.user_id);
	const found = await tx
		.select({ id: users.id })
		.from(users)
		.where(and(inArray(users.id, ids), eq(users.isActive, true), isNull(users.deletedAt)));
	const missing = ids.filter((id) => !found.some((f) => f.id === id));
	if (missing.length) {
		throw new ValidationFailed(
			missing.map((id) => ({ field: `panel.${ids.indexOf(id)}.user_id`, message: 'No such active user' }))
		);
	}
}

/** The template an interview uses: the one chosen, else the requirement's for this type, else the newest active. */
async function resolveTemplateId(
	tx: Executor,
	requirementId: string,
	type: Interview['type'],
	chosen: string | null | undefined
): Promise<string | null> {
	if (chosen) {
		const [t] = await tx
			.select({ id: scorecardTemplates.id })
			.from(scorecardTemplates)
			.where(and(eq(scorecardTemplates.id, chosen), isNull(scorecardTemplates.deletedAt)));
		if (!t) throw new ValidationFailed([{ field: 'scorecard_template_id', message: 'No such scorecard template' }]);
		return t.id;
	}
	const [byRequirement] = await tx
		.select({ id: requirementScorecardTemplates.templateId })
		.from(requirementScorecardTemplates)
		.where(
			and(
				eq(requirementScorecardTemplates.requirementId, requirementId),
				eq(requirementScorecardTemplates.interviewType, type)
			)
		);
	if (byRequirement) return byRequirement.id;
	const [fallback] = await tx
		.select({ id: scorecardTemplates.id })
		.from(scorecardTemplates)
		.where(and(eq(scorecardTemplates.isActive, true), isNull(scorecardTemplates.deletedAt)))
		.orderBy(asc(scorecardTemplates.createdAt))
		.limit(1);
	return fallback?.id ?? null;
}

const ANNOUNCEMENTS = {
	scheduled: { title: 'Interview scheduled', body: 'You are on the panel of' },
	updated: { title: 'Interview changed', body: 'The time, place or panel changed for' },
	cancelled: { title: 'Interview cancelled', body: 'This interview was cancelled:' },
	removed: { title: 'Taken off an interview panel', body: 'You are no longer on the panel of' }
} as const;

/**
 * Tells panelists about an invitation, change or cancellation: an in-app notification
 * (`interview_scheduled`) for each, and the calendar e-mail (REQUEST or CANCEL with this
 * SEQUENCE) to those who did not turn that kind of e-mail off — the invitation is the e-mail
 * copy of the notification, so no generic copy is sent besides. The candidate, when invited,
 * always gets the calendar e-mail.
 */
async function queueInvitations(
	tx: Transaction,
	rt: Runtime,
	afterCommit: AfterCommit,
	interview: Interview,
	method: 'REQUEST' | 'CANCEL',
	userIds: string[],
	candidateToo: boolean,
	actor: Actor,
	change: keyof typeof ANNOUNCEMENTS
) {
	const createdBy = actor.userId;
	if (userIds.length > 0) {
		const [about] = await tx
			.select({ candidate: candidates.name, requirement: requirements.title })
			.from(candidates)
			.innerJoin(requirements, eq(requirements.id, interview.requirementId))
			.where(eq(candidates.id, interview.candidateId));
		const announcement = ANNOUNCEMENTS[change];
		const what = `${INTERVIEW_TYPE_LABELS[interview.type].toLowerCase()} interview with ${about?.candidate ?? 'a candidate'}`;
		await notify(
			{ rt, actor, tx, afterCommit },
			{
				userIds,
				kind: 'interview_scheduled',
				title: `${announcement.title}: ${about?.candidate ?? 'a candidate'}`,
				body: `${announcement.body} the ${what}${about ? ` (${about.requirement})` : ''}.`,
				link: `/interviews/${interview.id}`,
				subjectType: 'interview',
				subjectId: interview.id,
				emailCopy: false
			}
		);
	}
	const recipients = userIds.length
		? await tx.select({ id: users.id, prefs: users.emailPreferences }).from(users).where(inArray(users.id, userIds))
		: [];
	for (const userId of userIds) {
		const prefs = recipients.find((r) => r.id === userId)?.prefs;
		if (!wantsEmail(prefs, 'interview_scheduled')) continue;
		await rt.jobs.enqueue(
			sendInterviewInvitationJob,
			{ interviewId: interview.id, sequence: interview.icalSequence, method, recipient: { userId } },
			{ tx, afterCommit, createdBy, dedupeKey: `invite:${interview.id}:${interview.icalSequence}:${method}:${userId}` }
		);
	}
	if (candidateToo) {
		await rt.jobs.enqueue(
			sendInterviewInvitationJob,
			{ interviewId: interview.id, sequence: interview.icalSequence, method, recipient: { candidate: true } },
			{ tx, afterCommit, createdBy, dedupeKey: `invite:${interview.id}:${interview.icalSequence}:${method}:candidate` }
		);
	}
}

/**
 * Schedules an interview for an application: type, time with its zone, place or video link,
 * the panel (one lead) and the scorecard template. Panelists already busy at that time come
 * back as `conflicts` (a warning). Every panelist gets a calendar invitation by e-mail.
 */
export async function scheduleInterview(rt: Runtime, actor: Actor, input: ScheduleInterviewInput) {
	if (!can(subjectOf(actor), 'create', 'interview'))
		throw new Forbidden('Only recruiters and admins schedule interviews');
	const start = new Date(input.starts_at);
	const end = new Date(input.ends_at);
	const result = await inTransaction(
		rt.db,
		async (tx, afterCommit) => {
			const [app] = await tx
				.select({
					id: applications.id,
					requirementId: applications.requirementId,
					candidateId: applications.candidateId,
					stage: applications.stage
				})
				.from(applications)
				.where(and(eq(applications.id, input.application_id), isNull(applications.deletedAt)));
			if (!app) throw new ValidationFailed([{ field: 'application_id', message: 'No such application' }]);
			// An application of a requirement outside the actor's departments is as missing.
			if (!can(subjectOf(actor), 'create', 'interview', await requirementRelations(tx, actor, app.requirementId))) {
				throw new ValidationFailed([{ field: 'application_id', message: 'No such application' }]);
			}
			if (app.stage === 'rejected' || app.stage === 'withdrawn') {
				throw new Conflict(`The candidate is ${app.stage}: no interview can be scheduled`, 'APPLICATION_CLOSED');
			}
			await assertPanel(tx, input.panel);
			const templateId = await resolveTemplateId(tx, app.requirementId, input.type, input.scorecard_template_id);
			const id = randomUUID();
			const [interview] = await tx
				.insert(interviews)
				.values({
					id,
					applicationId: app.id,
					requirementId: app.requirementId,
					candidateId: app.candidateId,
					type: input.type,
					startsAt: start,
					endsAt: end,
					timeZone: input.time_zone,
					location: input.location ?? null,
					videoLink: input.video_link ?? null,
					scorecardTemplateId: templateId,
					icalUid: `${id}@hiring-hare`,
					inviteCandidate: input.invite_candidate ?? false,
					createdBy: actor.userId
				})
				.returning();
			const lead = input.panel.find((p) => p.is_lead)?.user_id ?? input.panel[0].user_id;
			await tx
				.insert(interviewPanelists)
				.values(input.panel.map((p) => ({ interviewId: id, userId: p.user_id, isLead: p.user_id === lead })));
			const conflicts = await findConflicts(
				tx,
				input.panel.map((p) => p.user_id),
				start,
				end,
				id
			);
			await recordAudit(tx, actor, {
				action: 'interview.scheduled',
				entityType: 'interview',
				entityId: id,
				after: { ...auditSnapshot(interview), panel: input.panel },
				metadata: conflicts.length
					? { conflicts: conflicts.map((c) => ({ user_id: c.userId, interview_id: c.interviewId })) }
					: null
			});
			await queueInvitations(
				tx,
				rt,
				afterCommit,
				interview,
				'REQUEST',
				input.panel.map((p) => p.user_id),
				interview.inviteCandidate,
				actor,
				'scheduled'
			);
			return { id, conflicts };
		},
		(err) => rt.logger.warn({ err }, 'after-commit work failed')
	);
	return { interview: await getInterview(rt, actor, result.id), conflicts: result.conflicts };
}

/**
 * Reschedules or changes an interview (version-checked): SEQUENCE goes up and the panel gets
 * the update; people removed from the panel get a cancellation.
 */
export async function updateInterview(rt: Runtime, actor: Actor, id: string, input: UpdateInterviewInput) {
	if (!can(subjectOf(actor), 'update', 'interview')) throw new Forbidden();
	const conflicts = await inTransaction(
		rt.db,
		async (tx, afterCommit) => {
			const before = await lockForUpdate(tx, interviews, id, input.version, 'Interview', isNull(interviews.deletedAt), {
				// Outside the actor's departments (and not on its panel) it is not theirs to change.
				authorize: async (row) => {
					if (!can(subjectOf(actor), 'update', 'interview', await interviewRelations(tx, actor, row))) {
						throw new Forbidden();
					}
				}
			});
			if (before.status !== 'scheduled')
				throw new Conflict(`A ${before.status} interview cannot be changed`, 'INTERVIEW_CLOSED');
			const start = input.starts_at ? new Date(input.starts_at) : before.startsAt;
			const end = input.ends_at ? new Date(input.ends_at) : before.endsAt;
			if (end <= start)
				throw new ValidationFailed([{ field: 'ends_at', message: 'The interview must end after it starts' }]);
			const previousPanel = (await panelOf(tx, id)).map((p) => p.userId);
			let panelIds = previousPanel;
			if (input.panel) {
				await assertPanel(tx, input.panel);
				panelIds = input.panel.map((p) => p.user_id);
				const lead = input.panel.find((p) => p.is_lead)?.user_id ?? input.panel[0].user_id;
				await tx.delete(interviewPanelists).where(eq(interviewPanelists.interviewId, id));
				await tx
					.insert(interviewPanelists)
					.values(input.panel.map((p) => ({ interviewId: id, userId: p.user_id, isLead: p.user_id === lead })));
			}
			const templateId =
				input.scorecard_template_id !== undefined
					? await resolveTemplateId(tx, before.requirementId, before.type, input.scorecard_template_id)
					: before.scorecardTemplateId;
			const [after] = await tx
				.update(interviews)
				.set({
					startsAt: start,
					endsAt: end,
					timeZone: input.time_zone ?? before.timeZone,
					location: input.location !== undefined ? input.location : before.location,
					videoLink: input.video_link !== undefined ? input.video_link : before.videoLink,
					scorecardTemplateId: templateId,
					inviteCandidate: input.invite_candidate ?? before.inviteCandidate,
					icalSequence: before.icalSequence + 1,
					version: before.version + 1
				})
				.where(eq(interviews.id, id))
				.returning();
			await recordAudit(tx, actor, {
				action: 'interview.updated',
				entityType: 'interview',
				entityId: id,
				before: { ...auditSnapshot(before), panel: previousPanel },
				after: { ...auditSnapshot(after), panel: panelIds }
			});
			await queueInvitations(tx, rt, afterCommit, after, 'REQUEST', panelIds, after.inviteCandidate, actor, 'updated');
			const removed = previousPanel.filter((u) => !panelIds.includes(u));
			await queueInvitations(
				tx,
				rt,
				afterCommit,
				after,
				'CANCEL',
				removed,
				before.inviteCandidate && !after.inviteCandidate,
				actor,
				'removed'
			);
			return findConflicts(tx, panelIds, start, end, id);
		},
		(err) => rt.logger.warn({ err }, 'after-commit work failed')
	);
	return { interview: await getInterview(rt, actor, id), conflicts };
}

/** Cancels (panel and candidate get METHOD:CANCEL), completes or marks a no-show. */
export async function setInterviewStatus(
	rt: Runtime,
	actor: Actor,
	id: string,
	status: 'cancelled' | 'completed' | 'no_show',
	version?: number
) {
	await inTransaction(
		rt.db,
		async (tx, afterCommit) => {
			const before = await lockForUpdate(tx, interviews, id, version, 'Interview', isNull(interviews.deletedAt));
			const relations = await interviewRelations(tx, actor, before);
			const isLead = actor.userId
				? (
						await tx
							.select()
							.from(interviewPanelists)
							.where(
								and(
									eq(interviewPanelists.interviewId, id),
									eq(interviewPanelists.userId, actor.userId),
									eq(interviewPanelists.isLead, true)
								)
							)
					).length > 0
				: false;
			// The lead interviewer may mark it completed or a no-show; changing plans is for recruiters.
			const allowed = can(subjectOf(actor), 'update', 'interview', relations) || (status !== 'cancelled' && isLead);
			if (!allowed) throw new Forbidden();
			if (before.status !== 'scheduled')
				throw new Conflict(`The interview is already ${before.status}`, 'INTERVIEW_CLOSED');
			const [after] = await tx
				.update(interviews)
				.set({
					status,
					version: before.version + 1,
					...(status === 'cancelled' ? { icalSequence: before.icalSequence + 1 } : {})
				})
				.where(eq(interviews.id, id))
				.returning();
			await recordAudit(tx, actor, {
				action: `interview.${status}`,
				entityType: 'interview',
				entityId: id,
				before: { status: before.status },
				after: { status }
			});
			if (status === 'cancelled') {
				const panel = await panelOf(tx, id);
				await queueInvitations(
					tx,
					rt,
					afterCommit,
					after,
					'CANCEL',
					panel.map((p) => p.userId),
					after.inviteCandidate,
					actor,
					'cancelled'
				);
			}
		},
		(err) => rt.logger.warn({ err }, 'after-commit work failed')
	);
	return getInterview(rt, actor, id);
}

/** An interview with its panel, candidate, requirement, template, and what the caller may do. */
export async function getInterview(rt: Runtime, actor: Actor, id: string) {
	const [row] = await rt.db
		.select({
			i: interviews,
			candidateName: candidates.name,
			candidateTitle: candidates.currentTitle,
			requirementTitle: requirements.title,
			templateName: scorecardTemplates.name
		})
		.from(interviews)
		.innerJoin(candidates, eq(candidates.id, interviews.candidateId))
		.innerJoin(requirements, eq(requirements.id, interviews.requirementId))
		.leftJoin(scorecardTemplates, eq(scorecardTemplates.id, interviews.scorecardTemplateId))
		.where(and(eq(interviews.id, id), isNull(interviews.deletedAt)));
	if (!row) throw new NotFound('Interview');
	const relations = await interviewRelations(rt.db, actor, row.i);
	const subject = subjectOf(actor);
	if (!can(subject, 'read', 'interview', relations)) throw new Forbidden();
	const panel = await panelOf(rt.db, id);
	return {
		...row.i,
		candidateName: row.candidateName,
		candidateTitle: row.candidateTitle,
		requirementTitle: row.requirementTitle,
		templateName: row.templateName,
		typeLabel: INTERVIEW_TYPE_LABELS[row.i.type],
		panel,
		capabilities: {
			canEdit: can(subject, 'update', 'interview', relations) && row.i.status === 'scheduled',
			isPanelist: relations.includes('panelist'),
			canWriteNotes: can(subject, 'update', 'interview_notes', relations),
			canReadNotes: can(subject, 'read', 'interview_notes', relations) || row.i.status === 'completed'
		}
	};
}

/** Interviews: mine (as panelist), or all for recruiters and admins, by status, application, time. */
export async function listInterviews(
	rt: Runtime,
	actor: Actor,
	q: {
		page: number;
		page_size: number;
		mine?: 'true' | 'false';
		status?: Interview['status'];
		application_id?: string;
		requirement_id?: string;
		from?: Date;
		to?: Date;
	}
): Promise<Page<Interview & { candidateName: string; requirementTitle: string }>> {
	const subject = subjectOf(actor);
	if (!subject || !can(subject, 'list', 'interview')) throw new Forbidden();
	const seesAll = can(subject, 'read', 'interview');
	const conditions: SQL[] = [isNull(interviews.deletedAt)];
	const onPanel = sql`exists (select 1 from ${interviewPanelists} p where p.interview_id = ${interviews.id} and p.user_id = ${subject.id})`;
	if (q.mine === 'true') conditions.push(onPanel);
	else if (!seesAll) {
		// Besides their own panels, a hiring manager sees the interviews of their requirements (as
		// getInterview lets them read each one).
		const ownsRequirement = can(subject, 'read', 'interview', ['owner'])
			? sql`exists (select 1 from ${requirements} r where r.id = ${interviews.requirementId} and (r.hiring_manager_id = ${subject.id} or r.created_by = ${subject.id}))`
			: sql`false`;
		conditions.push(sql`(${onPanel} or ${ownsRequirement})`);
	} else {
		// Recruiters and admins see all — of the departments they work for — and their own panels.
		const inScope = interviewScopeCondition(await departmentScope(rt.db, actor), actor);
		if (inScope) conditions.push(sql`(${onPanel} or ${inScope})`);
	}
	if (q.status) conditions.push(eq(interviews.status, q.status));
	if (q.application_id) conditions.push(eq(interviews.applicationId, q.application_id));
	if (q.requirement_id) conditions.push(eq(interviews.requirementId, q.requirement_id));
	if (q.from) conditions.push(gte(interviews.endsAt, q.from));
	if (q.to) conditions.push(lte(interviews.startsAt, q.to));
	const where = and(...conditions);
	const [{ total }] = await rt.db.select({ total: count() }).from(interviews).where(where);
	const rows = await rt.db
		.select({ i: interviews, candidateName: candidates.name, requirementTitle: requirements.title })
		.from(interviews)
		.innerJoin(candidates, eq(candidates.id, interviews.candidateId))
		.innerJoin(requirements, eq(requirements.id, interviews.requirementId))
		.where(where)
		.orderBy(asc(interviews.startsAt))
		.limit(q.page_size)
		.offset((q.page - 1) * q.page_size);
	return {
		items: rows.map((r) => ({ ...r.i, candidateName: r.candidateName, requirementTitle: r.requirementTitle })),
		total,
		page: q.page,
		pageSize: q.page_size
	};
}

export { panelOf };
