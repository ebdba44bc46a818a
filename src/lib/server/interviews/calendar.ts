import { sha256 } from '@oslojs/crypto/sha2';
import { encodeBase32LowerCaseNoPadding, encodeHexLowerCase } from '@oslojs/encoding';
import { and, asc, eq, gte, inArray, isNull, sql } from 'drizzle-orm';
import { INTERVIEW_TYPE_LABELS } from '../../domain/interviews';
import type { Actor } from '../actor';
import { recordAudit } from '../audit/audit';
import type { Executor } from '../db/client';
import { inTransaction } from '../db/transaction';
import {
	calendarTokens,
	candidates,
	interviewPanelists,
	interviews,
	requirements,
	users,
	type Interview
} from '../db/schema';
import { Forbidden, NotFound } from '../errors';
import type { Runtime } from '../runtime';
import { buildCalendar, type IcsAttendee, type IcsEvent, type IcsMethod } from './ics';
import { interviewRelations } from './service';
import { can } from '../../permissions';
import { subjectOf } from '../actor';

/** The calendar event of an interview: its panel (and the candidate if invited) as attendees. */
export async function interviewEvent(db: Executor, interview: Interview, origin: string): Promise<IcsEvent> {
	const [context] = await db
		.select({
			candidateName: candidates.name,
			candidateEmails: candidates.emails,
			requirementTitle: requirements.title
		})
		.from(candidates)
		.innerJoin(requirements, eq(requirements.id, interview.requirementId))
		.where(eq(candidates.id, interview.candidateId));
	const panel = await db
		.select({ name: users.name, email: users.email, isLead: interviewPanelists.isLead })
		.from(interviewPanelists)
		.innerJoin(users, eq(users.id, interviewPanelists.userId))
		.where(eq(interviewPanelists.interviewId, interview.id))
		.orderBy(asc(users.name));
	const attendees: IcsAttendee[] = panel.map((p) => ({
		name: p.name,
		email: p.email,
		role: p.isLead ? 'CHAIR' : 'REQ-PARTICIPANT'
	}));
	if (interview.inviteCandidate && context?.candidateEmails[0]) {
		attendees.push({ name: context.candidateName, email: context.candidateEmails[0] });
	}
	const type = INTERVIEW_TYPE_LABELS[interview.type];
	const link = new URL(`/interviews/${interview.id}`, origin).href;
	const description = [
		`${type} interview with ${context?.candidateName ?? 'a candidate'} for ${context?.requirementTitle ?? 'a position'}.`,
		interview.videoLink ? `Video: ${interview.videoLink}` : null,
		`Interview room: ${link}`,
		`Times are in ${interview.timeZone}.`
	]
		.filter(Boolean)
		.join('\n');
	return {
		uid: interview.icalUid,
		sequence: interview.icalSequence,
		start: interview.startsAt,
		end: interview.endsAt,
		timeZone: interview.timeZone,
		summary: `${type} interview: ${context?.candidateName ?? 'Candidate'} (${context?.requirementTitle ?? ''})`.trim(),
		description,
		location: interview.location ?? interview.videoLink,
		url: link,
		organizer: { name: 'Hiring Hare', email: `no-reply@${new URL(origin).hostname}` },
		attendees,
		cancelled: interview.status === 'cancelled',
		stamp: interview.updatedAt
	};
}

/** `GET /interviews/:id/invite.ics`: the invitation (or its cancellation) for people who may see it. */
export async function interviewIcs(rt: Runtime, actor: Actor, id: string): Promise<string> {
	const [interview] = await rt.db
		.select()
		.from(interviews)
		.where(and(eq(interviews.id, id), isNull(interviews.deletedAt)));
	if (!interview) throw new NotFound('Interview');
	if (!can(subjectOf(actor), 'read', 'interview', await interviewRelations(rt.db, actor, interview)))
		throw new Forbidden();
	const method: IcsMethod = interview.status === 'cancelled' ? 'CANCEL' : 'REQUEST';
	return buildCalendar([await interviewEvent(rt.db, interview, rt.config.ORIGIN)], method);
}

function hashToken(token: string): string {
	return encodeHexLowerCase(sha256(new TextEncoder().encode(token)));
}

/** A new private feed URL for the caller (the previous one stops working). */
export async function createCalendarToken(rt: Runtime, actor: Actor): Promise<{ token: string; url: string }> {
	const userId = actor.userId;
	if (!userId) throw new Forbidden();
	const bytes = new Uint8Array(20);
	crypto.getRandomValues(bytes);
	const token = encodeBase32LowerCaseNoPadding(bytes);
	await inTransaction(rt.db, async (tx) => {
		await tx
			.update(calendarTokens)
			.set({ revokedAt: sql`now()` })
			.where(and(eq(calendarTokens.userId, userId), isNull(calendarTokens.revokedAt)));
		await tx.insert(calendarTokens).values({ userId, tokenHash: hashToken(token) });
		await recordAudit(tx, actor, { action: 'calendar_feed.created', entityType: 'user', entityId: userId });
	});
	return { token, url: new URL(`/calendar/${token}.ics`, rt.config.ORIGIN).href };
}

/** Revokes the caller's feed URL. */
export async function revokeCalendarToken(rt: Runtime, actor: Actor): Promise<void> {
	const userId = actor.userId;
	if (!userId) throw new Forbidden();
	await inTransaction(rt.db, async (tx) => {
		await tx
			.update(calendarTokens)
			.set({ revokedAt: sql`now()` })
			.where(and(eq(calendarTokens.userId, userId), isNull(calendarTokens.revokedAt)));
		await recordAudit(tx, actor, { action: 'calendar_feed.revoked', entityType: 'user', entityId: userId });
	});
}

/** Whether the caller has a live feed URL (the URL itself is shown only when created). */
export async function hasCalendarToken(db: Executor, userId: string): Promise<boolean> {
	const [row] = await db
		.select({ id: calendarTokens.id })
		.from(calendarTokens)
		.where(and(eq(calendarTokens.userId, userId), isNull(calendarTokens.revokedAt)));
	return !!row;
}

/**
 * The feed behind `/calendar/<token>.ics`: the owner's interviews from 90 days ago on,
 * cancelled ones marked so. An unknown or revoked token → not found.
 */
export async function calendarFeed(rt: Runtime, token: string): Promise<string> {
	if (!/^[a-z2-7]{32}$/.test(token)) throw new NotFound('Calendar');
	const [owner] = await rt.db
		.select({ userId: calendarTokens.userId, name: users.name, active: users.isActive })
		.from(calendarTokens)
		.innerJoin(users, eq(users.id, calendarTokens.userId))
		.where(and(eq(calendarTokens.tokenHash, hashToken(token)), isNull(calendarTokens.revokedAt)));
	if (!owner || !owner.active) throw new NotFound('Calendar');
	const mine = await rt.db
		.select({ id: interviewPanelists.interviewId })
		.from(interviewPanelists)
		.where(eq(interviewPanelists.userId, owner.userId));
	const rows = mine.length
		? await rt.db
				.select()
				.from(interviews)
				.where(
					and(
						inArray(
							interviews.id,
							mine.map((m) => m.id)
						),
						isNull(interviews.deletedAt),
						gte(interviews.endsAt, new Date(Date.now() - 90 * 86_400_000))
					)
				)
				.orderBy(asc(interviews.startsAt))
		: [];
	const events = await Promise.all(rows.map((i) => interviewEvent(rt.db, i, rt.config.ORIGIN)));
	return buildCalendar(events, 'PUBLISH', `Interviews · ${owner.name}`);
}
