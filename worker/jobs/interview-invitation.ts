import { and, eq } from 'drizzle-orm';
import { z } from 'zod';
import { candidates, interviewPanelists, interviews, users } from '$lib/server/db/schema';
import { escapeHtml, layout } from '$lib/server/email/templates';
import { buildCalendar } from '$lib/server/interviews/ics';
import { interviewEvent } from '$lib/server/interviews/calendar';
import { defineJob, exponentialBackoff, PermanentJobError } from '$lib/server/jobs/types';
import { wantsEmail } from '$lib/domain/notifications';

/**
 * E-mails one person an interview invitation, update (same UID, higher SEQUENCE) or
 * cancellation, with the iCalendar attached as a calendar part mail clients understand.
 * An invitation superseded by a newer change before it was sent is skipped, and so is one to a
 * user who turned `interview_scheduled` e-mails off in the meantime.
 */
export const sendInterviewInvitationJob = defineJob({
	kind: 'email.interview_invitation',
	input: z.object({
		interviewId: z.string().uuid(),
		sequence: z.number().int().min(0),
		method: z.enum(['REQUEST', 'CANCEL']),
		recipient: z.union([z.object({ userId: z.string().uuid() }), z.object({ candidate: z.literal(true) })])
	}),
	maxAttempts: 5,
	backoffMs: exponentialBackoff(5_000),
	async perform(input, { runtime: rt }) {
		const [interview] = await rt.db.select().from(interviews).where(eq(interviews.id, input.interviewId));
		if (!interview) throw new PermanentJobError('The interview no longer exists');
		if (input.method === 'REQUEST' && interview.icalSequence > input.sequence) return { skipped: 'superseded' };
		if (input.method === 'CANCEL' && interview.icalSequence > input.sequence && 'userId' in input.recipient) {
			// Taken off the panel, then put back: the newer invitation reaches them, this must not.
			const [back] = await rt.db
				.select({ userId: interviewPanelists.userId })
				.from(interviewPanelists)
				.where(
					and(eq(interviewPanelists.interviewId, interview.id), eq(interviewPanelists.userId, input.recipient.userId))
				);
			if (back && interview.status !== 'cancelled') return { skipped: 'superseded' };
		}
		let to: { name: string; email: string } | undefined;
		if ('userId' in input.recipient) {
			const [user] = await rt.db
				.select({ name: users.name, email: users.email, active: users.isActive, prefs: users.emailPreferences })
				.from(users)
				.where(eq(users.id, input.recipient.userId));
			if (!user?.active) return { skipped: 'recipient inactive' };
			// Turned off after this was queued: the in-app notification stays, the e-mail is not sent.
			if (!wantsEmail(user.prefs, 'interview_scheduled')) return { skipped: 'e-mail turned off' };
			to = { name: user.name, email: user.email };
		} else {
			const [candidate] = await rt.db
				.select({ name: candidates.name, emails: candidates.emails })
				.from(candidates)
				.where(eq(candidates.id, interview.candidateId));
			if (!candidate?.emails[0]) return { skipped: 'candidate has no e-mail' };
			to = { name: candidate.name, email: candidate.emails[0] };
		}
		// The SEQUENCE of the change this message announces: a late cancellation must not carry a
		// newer number than the change it belongs to.
		const event = await interviewEvent(rt.db, { ...interview, icalSequence: input.sequence }, rt.config.ORIGIN);
		// A cancellation names the person it is for (RFC 5546: removed attendees are listed).
		if (input.method === 'CANCEL' && !event.attendees.some((a) => a.email.toLowerCase() === to.email.toLowerCase()))
			event.attendees.push({ name: to.name, email: to.email });
		const ics = buildCalendar([event], input.method);
		const when = new Intl.DateTimeFormat('en-GB', {
			dateStyle: 'full',
			timeStyle: 'short',
			timeZone: interview.timeZone
		}).format(interview.startsAt);
		const cancelled = input.method === 'CANCEL';
		const subject = `${cancelled ? 'Cancelled: ' : input.sequence > 0 ? 'Updated: ' : ''}${event.summary}`;
		const lines = [
			cancelled ? 'This interview has been cancelled.' : `When: ${when} (${interview.timeZone})`,
			!cancelled && event.location ? `Where: ${event.location}` : null,
			event.description ?? null
		].filter((l): l is string => !!l);
		const html = layout(subject, lines.map((l) => `<p>${escapeHtml(l).replace(/\n/g, '<br>')}</p>`).join(''));
		const sent = await rt.mailer.send({
			to: `"${to.name.replace(/"/g, '')}" <${to.email}>`,
			subject,
			html,
			text: `Hello ${to.name},\n\n${lines.join('\n\n')}\n`,
			icalEvent: { method: input.method, filename: cancelled ? 'cancel.ics' : 'invite.ics', content: ics }
		});
		return { to: to.email, method: input.method, sequence: event.sequence, messageId: sent.messageId };
	}
});
