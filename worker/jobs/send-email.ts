import { eq } from 'drizzle-orm';
import { z } from 'zod';
import { users } from '$lib/server/db/schema';
import { renderWelcome } from '$lib/server/email/templates';
import type { EnqueueOptions } from '$lib/server/jobs/queue';
import { defineJob, exponentialBackoff, PermanentJobError } from '$lib/server/jobs/types';
import type { Runtime } from '$lib/server/runtime';
import { ROLE_LABELS } from '$lib/roles';

/** Which e-mail to send. Carries ids only; the job looks up the rest when it runs. */
const input = z.discriminatedUnion('template', [
	z.object({ template: z.literal('welcome'), userId: z.string().uuid(), invitedById: z.string().uuid().nullable() })
]);

/** Sends one templated e-mail through SMTP (or the .eml outbox without SMTP_URL). */
export const sendEmailJob = defineJob({
	kind: 'email.send',
	input,
	maxAttempts: 5,
	backoffMs: exponentialBackoff(5_000),
	async perform(data, { runtime: rt, progress }) {
		switch (data.template) {
			case 'welcome': {
				await progress(10, 'Preparing the message');
				const [user] = await rt.db.select().from(users).where(eq(users.id, data.userId));
				if (!user || user.deletedAt) throw new PermanentJobError('The user no longer exists');
				// Deactivated before the message went out (a mistaken account): nothing to welcome.
				if (!user.isActive) return { to: user.email, skipped: 'the account is deactivated' };
				const [inviter] = data.invitedById
					? await rt.db.select({ name: users.name }).from(users).where(eq(users.id, data.invitedById))
					: [];
				const mail = renderWelcome({
					name: user.name,
					email: user.email,
					role: ROLE_LABELS[user.role],
					invitedBy: inviter?.name ?? 'An administrator',
					loginUrl: new URL('/login', rt.config.ORIGIN).href
				});
				await progress(50, 'Sending');
				const sent = await rt.mailer.send({ to: user.email, ...mail });
				return { to: user.email, subject: mail.subject, messageId: sent.messageId, transport: sent.transport };
			}
		}
	}
});

/** Queues the welcome e-mail of a new account (in the transaction that creates it). */
export function sendWelcomeEmail(
	rt: Runtime,
	data: { userId: string; invitedById: string | null },
	options: EnqueueOptions
) {
	return rt.jobs.enqueue(
		sendEmailJob,
		{ template: 'welcome', ...data },
		{ ...options, dedupeKey: `welcome:${data.userId}` }
	);
}
