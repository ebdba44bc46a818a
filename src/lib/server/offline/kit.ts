import { and, asc, desc, eq, gte, inArray, isNull, lte, or, sql } from 'drizzle-orm';
import { resolveDocumentAccess } from '$sync/authorize';
import { documentNames } from '../../collab/names';
import { can } from '../../permissions';
import type { Actor } from '../actor';
import type { SessionUser } from '../auth/session';
import { assertCanReadCandidate } from '../candidates/relations';
import { departmentScope, requirementScopeCondition } from '../scope/departments';
import {
	applications,
	candidateDocuments,
	candidates,
	interviewPanelists,
	interviews,
	requirements,
	scorecardTemplates
} from '../db/schema';
import { Forbidden } from '../errors';
import { getInterview } from '../interviews/service';
import type { Runtime } from '../runtime';

/** How far ahead the offline interview kit reaches (issue 6, part 2). */
export const KIT_WINDOW_MS = 7 * 24 * 60 * 60 * 1000;
/** Bounds what one kit holds (PITFALLS: bound what is prefetched). */
export const KIT_MAX_INTERVIEWS = 50;
export const KIT_MAX_BOARDS = 50;

export interface KitDocument {
	name: string;
	access: 'read' | 'write';
}

/**
 * The offline interview kit of the signed-in user: their scheduled interviews in the next 7 days
 * (as panelist; recruiters and admins also the ones they organised), each with the interview as
 * `GET /interviews/:id` answers it, the candidate summary, the latest CV's text, the scorecard
 * template and the live documents they may open — the notes and only their OWN scorecard, never
 * another panelist's. Plus the boards of the requirements they work on (hiring manager, creator,
 * panel). Every document name is checked with the sync server's own access rule, so the kit never
 * lists a document the sync server would refuse.
 */
export async function offlineKit(rt: Runtime, actor: Actor, user: SessionUser, now = new Date()) {
	if (!can(user, 'list', 'interview')) throw new Forbidden();
	const until = new Date(now.getTime() + KIT_WINDOW_MS);
	const onPanel = sql`exists (select 1 from ${interviewPanelists} p where p.interview_id = ${interviews.id} and p.user_id = ${user.id})`;
	// The ones they organised only while the requirement is theirs to see (departments); their
	// panels always.
	const requirementSeen = requirementScopeCondition(await departmentScope(rt.db, actor), actor);
	const organised = and(
		eq(interviews.createdBy, user.id),
		requirementSeen
			? sql`exists (select 1 from ${applications} inner join ${requirements} on ${requirements.id} = ${applications.requirementId} where ${applications.id} = ${interviews.applicationId} and ${requirementSeen})`
			: undefined
	);
	const mine = can(user, 'create', 'interview') ? or(onPanel, organised) : onPanel;
	const upcoming = await rt.db
		.select({ id: interviews.id })
		.from(interviews)
		.where(
			and(
				isNull(interviews.deletedAt),
				eq(interviews.status, 'scheduled'),
				gte(interviews.endsAt, now),
				lte(interviews.startsAt, until),
				mine
			)
		)
		.orderBy(asc(interviews.startsAt))
		.limit(KIT_MAX_INTERVIEWS);

	const items = [];
	for (const { id } of upcoming) {
		// The same answer (and the same permission check) as GET /interviews/:id.
		const interview = await getInterview(rt, actor, id).catch((err: unknown) => {
			if (err instanceof Forbidden) return null;
			throw err;
		});
		if (!interview) continue;
		// The candidate and CV only for who may read the candidate (as GET /candidates/:id decides).
		const readsCandidate = await assertCanReadCandidate(rt.db, actor, interview.candidateId).then(
			() => true,
			(err: unknown) => {
				if (err instanceof Forbidden) return false;
				throw err;
			}
		);
		const [candidate] = await rt.db
			.select({
				id: candidates.id,
				name: candidates.name,
				currentTitle: candidates.currentTitle,
				currentCompany: candidates.currentCompany,
				location: candidates.location,
				linkedinUrl: candidates.linkedinUrl
			})
			.from(candidates)
			.where(eq(candidates.id, interview.candidateId));
		const [cv] = await rt.db
			.select({ id: candidateDocuments.id, fileName: candidateDocuments.fileName, text: candidateDocuments.text })
			.from(candidateDocuments)
			.where(
				and(
					eq(candidateDocuments.candidateId, interview.candidateId),
					eq(candidateDocuments.kind, 'cv'),
					isNull(candidateDocuments.deletedAt)
				)
			)
			.orderBy(desc(candidateDocuments.createdAt))
			.limit(1);
		const [template] = interview.scorecardTemplateId
			? await rt.db
					.select()
					.from(scorecardTemplates)
					.where(and(eq(scorecardTemplates.id, interview.scorecardTemplateId), isNull(scorecardTemplates.deletedAt)))
			: [];
		const wanted = [documentNames.interviewNotes(id)];
		if (interview.capabilities.isPanelist) wanted.push(documentNames.scorecard(id, user.id));
		items.push({
			interview,
			candidate: readsCandidate ? (candidate ?? null) : null,
			cv: readsCandidate ? (cv ?? null) : null,
			template: template ?? null,
			documents: await allowedDocuments(rt, user, wanted)
		});
	}

	// Boards of the requirements the user works on: as hiring manager or creator (recruiter), and
	// those of the interviews in the kit.
	const owned = await rt.db
		.select({ id: requirements.id })
		.from(requirements)
		.where(
			and(
				isNull(requirements.deletedAt),
				inArray(requirements.status, ['approved', 'open', 'on_hold']),
				or(eq(requirements.hiringManagerId, user.id), eq(requirements.createdBy, user.id))
			)
		)
		.orderBy(desc(requirements.updatedAt))
		.limit(KIT_MAX_BOARDS);
	const requirementIds = [
		...new Set([...items.map((i) => i.interview.requirementId), ...owned.map((r) => r.id)])
	].slice(0, KIT_MAX_BOARDS);
	const boards = await allowedDocuments(rt, user, requirementIds.map(documentNames.pipeline));
	return { generatedAt: now.toISOString(), until: until.toISOString(), interviews: items, boards };
}

async function allowedDocuments(rt: Runtime, user: SessionUser, names: string[]): Promise<KitDocument[]> {
	const allowed: KitDocument[] = [];
	for (const name of names) {
		const access = await resolveDocumentAccess(rt, user, name);
		if (access !== 'none') allowed.push({ name, access });
	}
	return allowed;
}
