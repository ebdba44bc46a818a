import { eq } from 'drizzle-orm';
import { z } from 'zod';
import { notifications, users } from '$lib/server/db/schema';
import { renderNotificationEmail } from '$lib/server/email/templates';
import { defineJob, exponentialBackoff, PermanentJobError } from '$lib/server/jobs/types';

/** The e-mail copy of one in-app notification (approval needed, approved, rejected…). */
export const sendNotificationEmailJob = defineJob({
	kind: 'email.notification',
	input: z.object({ notificationId: z.string().uuid() }),
	maxAttempts: 5,
	backoffMs: exponentialBackoff(5_000),
	async perform({ notificationId }, { runtime: rt }) {
		const [row] = await rt.db
			.select({
				n: notifications,
				email: users.email,
				name: users.name,
				active: users.isActive,
				prefs: users.emailPreferences
			})
			.from(notifications)
			.innerJoin(users, eq(users.id, notifications.userId))
			.where(eq(notifications.id, notificationId));
		if (!row) throw new PermanentJobError('The notification no longer exists');
		if (!row.active || row.prefs[row.n.kind] === false) return { skipped: true };
		const mail = renderNotificationEmail({
			recipientName: row.name,
			title: row.n.title,
			body: row.n.body,
			url: row.n.link ? new URL(row.n.link, rt.config.ORIGIN).href : rt.config.ORIGIN,
			preferencesUrl: new URL('/account', rt.config.ORIGIN).href
		});
		const sent = await rt.mailer.send({ to: row.email, ...mail });
		return { to: row.email, subject: mail.subject, messageId: sent.messageId, transport: sent.transport };
	}
});
