import { and, count, desc, eq, inArray, isNull, sql } from 'drizzle-orm';
import type { Executor } from '../db/client';
import { notifications, users, type Notification } from '../db/schema';
import { channels } from '../events/bus';
import type { Page } from '../http/envelope';
import { toApiShape } from '../http/serialize';
import type { Unit } from '../approvals/types';
import { sendNotificationEmailJob } from '$worker/jobs/notification-email';
import { NOTIFICATION_KINDS, wantsEmail, type NotificationKind } from '../../domain/notifications';

export interface NotifyInput {
	userIds: string[];
	kind: NotificationKind;
	title: string;
	body: string;
	link?: string | null;
	subjectType?: string | null;
	subjectId?: string | null;
	/**
	 * Queue the generic e-mail copy (default true). False when the caller sends its own e-mail for
	 * this kind (an interview's calendar invitation) and honours the preference itself.
	 */
	emailCopy?: boolean;
}

/**
 * Creates in-app notifications in the caller's transaction and, for users who did not turn this
 * kind off, queues the e-mail copy (also in the transaction). After COMMIT each user's open tabs
 * get it live on the event stream, with their new unread count.
 */
export async function notify(unit: Unit, input: NotifyInput): Promise<Notification[]> {
	const userIds = [...new Set(input.userIds)];
	if (userIds.length === 0) return [];
	const { tx, rt } = unit;
	const rows = await tx
		.insert(notifications)
		.values(
			userIds.map((userId) => ({
				userId,
				kind: input.kind,
				title: input.title.slice(0, 300),
				body: input.body.slice(0, 2000),
				link: input.link ?? null,
				subjectType: input.subjectType ?? null,
				subjectId: input.subjectId ?? null
			}))
		)
		.returning();
	const recipients = await tx
		.select({ id: users.id, prefs: users.emailPreferences, active: users.isActive })
		.from(users)
		.where(inArray(users.id, userIds));
	for (const row of input.emailCopy === false ? [] : rows) {
		const recipient = recipients.find((r) => r.id === row.userId);
		if (!recipient?.active || !wantsEmail(recipient.prefs, input.kind)) continue;
		await rt.jobs.enqueue(
			sendNotificationEmailJob,
			{ notificationId: row.id },
			{ tx, afterCommit: unit.afterCommit, dedupeKey: `notification-email:${row.id}` }
		);
	}
	unit.afterCommit(async () => {
		for (const row of rows) {
			// The notification as GET /notifications shows it (snake_case keys), with the new count.
			const unread = await unreadCount(rt.db, row.userId);
			await rt.bus.publish(channels.user(row.userId), {
				type: 'notification.created',
				notification: toApiShape(publicNotification(row)),
				unread
			});
		}
	});
	return rows;
}

export function publicNotification(n: Notification) {
	return {
		id: n.id,
		kind: n.kind,
		title: n.title,
		body: n.body,
		link: n.link,
		subjectType: n.subjectType,
		subjectId: n.subjectId,
		readAt: n.readAt,
		createdAt: n.createdAt
	};
}

export async function unreadCount(db: Executor, userId: string): Promise<number> {
	const [row] = await db
		.select({ n: count() })
		.from(notifications)
		.where(and(eq(notifications.userId, userId), isNull(notifications.readAt)));
	return row.n;
}

/** A user's notifications, newest first. */
export async function listNotifications(
	db: Executor,
	userId: string,
	filter: { unreadOnly: boolean; page: number; pageSize: number }
): Promise<Page<ReturnType<typeof publicNotification>> & { unread: number }> {
	const where = filter.unreadOnly
		? and(eq(notifications.userId, userId), isNull(notifications.readAt))
		: eq(notifications.userId, userId);
	const [{ total }] = await db.select({ total: count() }).from(notifications).where(where);
	const rows = await db
		.select()
		.from(notifications)
		.where(where)
		.orderBy(desc(notifications.createdAt), desc(notifications.id))
		.limit(filter.pageSize)
		.offset((filter.page - 1) * filter.pageSize);
	return {
		items: rows.map(publicNotification),
		total,
		page: filter.page,
		pageSize: filter.pageSize,
		unread: await unreadCount(db, userId)
	};
}

/** Marks some (or all) of a user's notifications read; returns the new unread count. */
export async function markRead(unitLike: Pick<Unit, 'rt'>, userId: string, ids: string[] | 'all'): Promise<number> {
	const { rt } = unitLike;
	const where =
		ids === 'all'
			? and(eq(notifications.userId, userId), isNull(notifications.readAt))
			: and(eq(notifications.userId, userId), isNull(notifications.readAt), inArray(notifications.id, ids));
	if (ids === 'all' || ids.length > 0)
		await rt.db
			.update(notifications)
			.set({ readAt: sql`now()` })
			.where(where);
	const unread = await unreadCount(rt.db, userId);
	try {
		// Other tabs update their bell; best effort (the rows are already changed).
		await rt.bus.publish(channels.user(userId), { type: 'notification.read', unread });
	} catch (err) {
		rt.logger.warn({ err, userId }, 'could not publish a notification.read event');
	}
	return unread;
}

export { NOTIFICATION_KINDS };
