import { and, asc, desc, eq, inArray, isNull, max } from 'drizzle-orm';
import * as Y from 'yjs';
import { DEFAULT_RATING_SCALE, RECOMMENDATIONS, type Recommendation } from '../../domain/interviews';
import { documentNames } from '../../collab/names';
import { missingParts, readScorecard, type ScorecardValues } from '../../collab/scorecard';
import { can } from '../../permissions';
import type { ScorecardSubmission, ScorecardTemplateInput } from '../../schemas/interviews';
import { subjectOf, type Actor } from '../actor';
import { auditSnapshot, recordAudit } from '../audit/audit';
import type { Executor } from '../db/client';
import { lockForUpdate } from '../db/locking';
import { inTransaction } from '../db/transaction';
import {
	applications,
	interviewFeedback,
	interviewPanelists,
	interviews,
	requirements,
	requirementScorecardTemplates,
	scorecardTemplates,
	users,
	type ScorecardTemplate
} from '../db/schema';
import { Conflict, Forbidden, NotFound, ValidationFailed } from '../errors';
import { scopedRelationsTo } from '../requirements/visibility';
import type { Runtime } from '../runtime';
import { departmentScope } from '../scope/departments';
import { interviewRelations } from './service';

function requireAdmin(actor: Actor) {
	const subject = subjectOf(actor);
	if (!subject || (subject.role !== 'admin' && subject.role !== 'super_admin'))
		throw new Forbidden('Only admins manage scorecard templates');
}

export async function listTemplates(rt: Runtime, actor: Actor): Promise<ScorecardTemplate[]> {
	if (!actor.userId) throw new Forbidden();
	return rt.db
		.select()
		.from(scorecardTemplates)
		.where(isNull(scorecardTemplates.deletedAt))
		.orderBy(asc(scorecardTemplates.name));
}

export async function getTemplate(db: Executor, id: string): Promise<ScorecardTemplate> {
	const [row] = await db
		.select()
		.from(scorecardTemplates)
		.where(and(eq(scorecardTemplates.id, id), isNull(scorecardTemplates.deletedAt)));
	if (!row) throw new NotFound('Scorecard template');
	return row;
}

/** Creates a scorecard template (admins). */
export async function createTemplate(rt: Runtime, actor: Actor, input: ScorecardTemplateInput) {
	requireAdmin(actor);
	return inTransaction(rt.db, async (tx) => {
		const [row] = await tx
			.insert(scorecardTemplates)
			.values({
				name: input.name,
				description: input.description ?? null,
				sections: input.sections,
				ratingScale: input.rating_scale ?? DEFAULT_RATING_SCALE
			})
			.returning();
		await recordAudit(tx, actor, {
			action: 'scorecard_template.created',
			entityType: 'scorecard_template',
			entityId: row.id,
			after: auditSnapshot(row)
		});
		return row;
	});
}

/** Changes a template (admins). Submitted feedback keeps the template as it was. */
export async function updateTemplate(
	rt: Runtime,
	actor: Actor,
	id: string,
	input: Partial<ScorecardTemplateInput> & { is_active?: boolean; version: number }
) {
	requireAdmin(actor);
	return inTransaction(rt.db, async (tx) => {
		const before = await lockForUpdate(
			tx,
			scorecardTemplates,
			id,
			input.version,
			'Scorecard template',
			isNull(scorecardTemplates.deletedAt)
		);
		const [after] = await tx
			.update(scorecardTemplates)
			.set({
				...(input.name !== undefined ? { name: input.name } : {}),
				...(input.description !== undefined ? { description: input.description } : {}),
				...(input.sections !== undefined ? { sections: input.sections } : {}),
				...(input.rating_scale !== undefined ? { ratingScale: input.rating_scale } : {}),
				...(input.is_active !== undefined ? { isActive: input.is_active } : {}),
				version: before.version + 1
			})
			.where(eq(scorecardTemplates.id, id))
			.returning();
		await recordAudit(tx, actor, {
			action: 'scorecard_template.updated',
			entityType: 'scorecard_template',
			entityId: id,
			before: auditSnapshot(before),
			after: auditSnapshot(after)
		});
		return after;
	});
}

/** Which template a requirement uses for each interview type (admins, recruiters, its manager). */
export async function setRequirementTemplates(
	rt: Runtime,
	actor: Actor,
	requirementId: string,
	templates: Record<string, string | null>
) {
	await inTransaction(rt.db, async (tx) => {
		const [req] = await tx
			.select()
			.from(requirements)
			.where(and(eq(requirements.id, requirementId), isNull(requirements.deletedAt)));
		if (!req) throw new NotFound('Requirement');
		const relations = scopedRelationsTo(actor, req, await departmentScope(tx, actor));
		if (!can(subjectOf(actor), 'manage', 'requirement', relations)) throw new Forbidden();
		for (const [type, templateId] of Object.entries(templates)) {
			await tx
				.delete(requirementScorecardTemplates)
				.where(
					and(
						eq(requirementScorecardTemplates.requirementId, requirementId),
						eq(requirementScorecardTemplates.interviewType, type as never)
					)
				);
			if (templateId) {
				await getTemplate(tx, templateId);
				await tx
					.insert(requirementScorecardTemplates)
					.values({ requirementId, interviewType: type as never, templateId });
			}
		}
		await recordAudit(tx, actor, {
			action: 'requirement.scorecard_templates_set',
			entityType: 'requirement',
			entityId: requirementId,
			after: templates
		});
	});
	return rt.db
		.select()
		.from(requirementScorecardTemplates)
		.where(eq(requirementScorecardTemplates.requirementId, requirementId));
}

/** Has `userId` submitted feedback for this interview? */
export async function hasSubmitted(db: Executor, interviewId: string, userId: string): Promise<boolean> {
	const [row] = await db
		.select({ id: interviewFeedback.id })
		.from(interviewFeedback)
		.where(and(eq(interviewFeedback.interviewId, interviewId), eq(interviewFeedback.userId, userId)))
		.limit(1);
	return !!row;
}

/**
 * Submits the caller's scorecard for an interview: complete (every competency of the template
 * rated, a recommendation) or 422 naming what is missing. It is snapshotted as a new immutable
 * revision; others' submitted scorecards become readable to the submitter. The values are the
 * request body, or — without one — the live scorecard document as the server holds it.
 */
export async function submitScorecard(
	rt: Runtime,
	actor: Actor,
	interviewId: string,
	body: ScorecardSubmission | null
) {
	const userId = actor.userId;
	if (!userId) throw new Forbidden();
	// Only the panel submits; checked before the live document is loaded on their behalf.
	const [member] = await rt.db
		.select({ userId: interviewPanelists.userId })
		.from(interviewPanelists)
		.innerJoin(interviews, eq(interviews.id, interviewPanelists.interviewId))
		.where(
			and(
				eq(interviewPanelists.interviewId, interviewId),
				eq(interviewPanelists.userId, userId),
				isNull(interviews.deletedAt)
			)
		);
	if (!member) {
		const [exists] = await rt.db
			.select({ id: interviews.id })
			.from(interviews)
			.where(and(eq(interviews.id, interviewId), isNull(interviews.deletedAt)));
		if (!exists) throw new NotFound('Interview');
		throw new Forbidden('Only the interview panel submits scorecards');
	}
	let values: ScorecardValues;
	if (body) values = { ratings: body.ratings, recommendation: body.recommendation, summary: body.summary ?? '' };
	else {
		const read = rt.collab?.readDocument;
		if (!read) throw new ValidationFailed([{ field: 'ratings', message: 'Send the scorecard in the request body' }]);
		values = readScorecard(await read.call(rt.collab, documentNames.scorecard(interviewId, userId)));
	}
	return inTransaction(rt.db, async (tx) => {
		const [interview] = await tx
			.select()
			.from(interviews)
			.where(and(eq(interviews.id, interviewId), isNull(interviews.deletedAt)))
			.for('update');
		if (!interview) throw new NotFound('Interview');
		const [panelist] = await tx
			.select({ userId: interviewPanelists.userId })
			.from(interviewPanelists)
			.where(and(eq(interviewPanelists.interviewId, interviewId), eq(interviewPanelists.userId, userId)));
		if (!panelist) throw new Forbidden('Only the interview panel submits scorecards');
		if (interview.status === 'cancelled') throw new Conflict('The interview was cancelled', 'INTERVIEW_CLOSED');
		if (!interview.scorecardTemplateId) throw new Conflict('This interview has no scorecard template', 'NO_TEMPLATE');
		const template = await getTemplate(tx, interview.scorecardTemplateId);
		const missing = missingParts(
			values,
			template.sections,
			template.ratingScale.map((l) => l.value)
		);
		const issues = [
			...missing.unrated.map((key) => ({ field: `ratings.${key}`, message: 'Rate this competency' })),
			...(missing.recommendation
				? [{ field: 'recommendation', message: `Choose a recommendation (${RECOMMENDATIONS.join(', ')})` }]
				: [])
		];
		if (issues.length) throw new ValidationFailed(issues, 'The scorecard is not complete');
		const keys = new Set(template.sections.flatMap((s) => s.competencies.map((c) => c.key)));
		const ratings = Object.fromEntries(Object.entries(values.ratings).filter(([key]) => keys.has(key)));
		const [{ last }] = await tx
			.select({ last: max(interviewFeedback.revision) })
			.from(interviewFeedback)
			.where(and(eq(interviewFeedback.interviewId, interviewId), eq(interviewFeedback.userId, userId)));
		const [feedback] = await tx
			.insert(interviewFeedback)
			.values({
				interviewId,
				userId,
				revision: (last ?? 0) + 1,
				templateId: template.id,
				template: { sections: template.sections, ratingScale: template.ratingScale },
				ratings,
				recommendation: values.recommendation as Recommendation,
				summary: values.summary || null
			})
			.returning();
		await recordAudit(tx, actor, {
			action: 'interview.feedback_submitted',
			entityType: 'interview',
			entityId: interviewId,
			metadata: { feedback_id: feedback.id, revision: feedback.revision, recommendation: feedback.recommendation }
		});
		return feedback;
	});
}

/**
 * Every submitted revision of an interview's scorecards that the caller may read, oldest first
 * per interviewer (revisions are immutable and all kept): their own always, others' by the
 * scorecard rule (after submitting their own when on the panel).
 */
export async function feedbackRevisions(rt: Runtime, actor: Actor, interviewId: string) {
	const [interview] = await rt.db
		.select()
		.from(interviews)
		.where(and(eq(interviews.id, interviewId), isNull(interviews.deletedAt)));
	if (!interview) throw new NotFound('Interview');
	if (!can(subjectOf(actor), 'read', 'interview', await interviewRelations(rt.db, actor, interview)))
		throw new Forbidden();
	const rows = await rt.db
		.select({ f: interviewFeedback, name: users.name })
		.from(interviewFeedback)
		.innerJoin(users, eq(users.id, interviewFeedback.userId))
		.where(eq(interviewFeedback.interviewId, interviewId))
		.orderBy(asc(users.name), asc(interviewFeedback.userId), asc(interviewFeedback.revision));
	const readable = new Map<string, boolean>();
	for (const ownerId of new Set(rows.map((r) => r.f.userId))) {
		readable.set(
			ownerId,
			ownerId === actor.userId || (await scorecardVisibility(rt.db, actor, interviewId, ownerId)) !== 'none'
		);
	}
	return rows.filter((r) => readable.get(r.f.userId)).map((r) => ({ ...r.f, interviewerName: r.name }));
}

/** Latest revision of every submitted scorecard for a set of interviews. */
async function latestFeedback(db: Executor, interviewIds: string[]) {
	if (interviewIds.length === 0) return [];
	const rows = await db
		.select({ f: interviewFeedback, name: users.name })
		.from(interviewFeedback)
		.innerJoin(users, eq(users.id, interviewFeedback.userId))
		.where(inArray(interviewFeedback.interviewId, interviewIds))
		.orderBy(desc(interviewFeedback.revision));
	const seen = new Set<string>();
	return rows.filter((r) => {
		const key = `${r.f.interviewId}:${r.f.userId}`;
		if (seen.has(key)) return false;
		seen.add(key);
		return true;
	});
}

/**
 * The debrief of an application: each submitted scorecard side by side, ratings per competency
 * in a grid, recommendations counted. Recruiters, admins and the hiring manager see all
 * submitted scorecards; a panelist sees an interview's scorecards only after submitting theirs.
 */
export async function debriefOf(rt: Runtime, actor: Actor, applicationId: string) {
	const subject = subjectOf(actor);
	if (!subject) throw new Forbidden();
	const [app] = await rt.db
		.select({
			a: applications,
			hiringManagerId: requirements.hiringManagerId,
			createdBy: requirements.createdBy,
			departmentId: requirements.departmentId,
			title: requirements.title
		})
		.from(applications)
		.innerJoin(requirements, eq(requirements.id, applications.requirementId))
		.where(and(eq(applications.id, applicationId), isNull(applications.deletedAt)));
	if (!app) throw new NotFound('Application');
	// Outside the actor's departments only their own panels' scorecards remain (a direct relation).
	const relations = scopedRelationsTo(actor, app, await departmentScope(rt.db, actor));
	const seesAll = can(subject, 'read', 'scorecard', relations) && !['interviewer'].includes(subject.role);
	const list = await rt.db
		.select()
		.from(interviews)
		.where(and(eq(interviews.applicationId, applicationId), isNull(interviews.deletedAt)))
		.orderBy(asc(interviews.startsAt));
	const feedback = await latestFeedback(
		rt.db,
		list.map((i) => i.id)
	);
	// Where the caller sits on the panel, that interview's scorecards stay hidden until they
	// submitted their own — whatever their role (no anchoring for recruiters or admins either).
	const panels = list.length
		? await rt.db
				.select({ interviewId: interviewPanelists.interviewId })
				.from(interviewPanelists)
				.where(
					and(
						inArray(
							interviewPanelists.interviewId,
							list.map((i) => i.id)
						),
						eq(interviewPanelists.userId, subject.id)
					)
				)
		: [];
	const onPanel = new Set(panels.map((p) => p.interviewId));
	if (!seesAll && onPanel.size === 0) throw new Forbidden();
	const visibleInterviews = new Set<string>();
	for (const interview of list) {
		const own = feedback.some((f) => f.f.interviewId === interview.id && f.f.userId === subject.id);
		if (onPanel.has(interview.id) ? own : seesAll) visibleInterviews.add(interview.id);
	}
	const scorecards = feedback
		.filter((f) => visibleInterviews.has(f.f.interviewId))
		.map((f) => ({ ...f.f, interviewerName: f.name }));
	const competencies = new Map<string, { key: string; name: string; section: string }>();
	for (const card of scorecards) {
		for (const section of card.template.sections) {
			for (const c of section.competencies)
				if (!competencies.has(c.key)) competencies.set(c.key, { key: c.key, name: c.name, section: section.title });
		}
	}
	const grid = [...competencies.values()].map((c) => {
		const ratings = scorecards.map((s) => ({ feedbackId: s.id, rating: s.ratings[c.key]?.rating ?? null }));
		const values = ratings.map((r) => r.rating).filter((r): r is number => r !== null);
		return {
			...c,
			ratings,
			average: values.length ? Math.round((values.reduce((a, b) => a + b, 0) / values.length) * 100) / 100 : null
		};
	});
	const counts = Object.fromEntries(
		RECOMMENDATIONS.map((r) => [r, scorecards.filter((s) => s.recommendation === r).length])
	);
	return {
		application: { id: app.a.id, stage: app.a.stage, candidateId: app.a.candidateId, requirementTitle: app.title },
		interviews: list.map((i) => ({
			id: i.id,
			type: i.type,
			startsAt: i.startsAt,
			status: i.status,
			visible: visibleInterviews.has(i.id)
		})),
		scorecards,
		grid,
		recommendations: counts,
		debriefDocument: documentNames.debrief(applicationId)
	};
}

/** For the live scorecard: does the caller see another interviewer's card? (the sync server asks) */
export async function scorecardVisibility(db: Executor, actor: Actor, interviewId: string, ownerId: string) {
	const [interview] = await db
		.select()
		.from(interviews)
		.where(and(eq(interviews.id, interviewId), isNull(interviews.deletedAt)));
	if (!interview) return 'none' as const;
	const relations = await interviewRelations(db, actor, interview);
	if (actor.userId === ownerId) {
		if (!relations.includes('panelist')) return 'none' as const;
		return interview.status === 'cancelled' ? ('read' as const) : ('write' as const);
	}
	// Nobody reads a card before it is submitted; panelists only after submitting their own.
	if (!(await hasSubmitted(db, interviewId, ownerId))) return 'none' as const;
	const granted: Array<'submitted' | 'owner'> = [];
	if (relations.includes('owner')) granted.push('owner');
	if (relations.includes('panelist') && actor.userId && (await hasSubmitted(db, interviewId, actor.userId)))
		granted.push('submitted');
	if (relations.includes('panelist') && !granted.includes('submitted')) return 'none' as const;
	return can(subjectOf(actor), 'read', 'scorecard', granted) ? ('read' as const) : ('none' as const);
}

/** Copies a live document's current state into a detached Y.Doc (for reading on the server). */
export function snapshotDoc(doc: Y.Doc): Y.Doc {
	const copy = new Y.Doc();
	Y.applyUpdate(copy, Y.encodeStateAsUpdate(doc));
	return copy;
}
