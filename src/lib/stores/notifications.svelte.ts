import { api, type AppNotification, type NotificationList, type PendingApproval } from '$lib/api/client';
import { liveEvents } from './live-events.svelte';

const RECENT = 15;

function isNotification(value: unknown): value is AppNotification {
	return (
		typeof value === 'object' &&
		value !== null &&
		'id' in value &&
		typeof value.id === 'string' &&
		'title' in value &&
		typeof value.title === 'string'
	);
}

function unreadOf(data: unknown): number | null {
	if (typeof data === 'object' && data !== null && 'unread' in data && typeof data.unread === 'number') {
		return data.unread;
	}
	return null;
}

/**
 * The signed-in user's in-app notifications: the unread count and the most recent ones, kept
 * current by the event stream (a new notification, or notifications read in another tab).
 */
class NotificationCenter {
	unread = $state(0);
	items = $state<AppNotification[]>([]);
	loaded = $state(false);
	error = $state<string | null>(null);

	/** Fetches the recent notifications and the unread count. */
	async refresh(): Promise<void> {
		try {
			const data = await api.get<NotificationList>(`/notifications?page_size=${RECENT}`);
			this.items = data.items;
			this.unread = data.unread_count;
			this.loaded = true;
			this.error = null;
		} catch {
			this.error = 'Notifications could not be loaded.';
		}
	}

	/** A notification pushed by the server, with the user's new unread count. */
	received(data: unknown): void {
		if (typeof data !== 'object' || data === null || !('notification' in data)) return;
		const notification = data.notification;
		if (!isNotification(notification)) return;
		this.items = [notification, ...this.items.filter((n) => n.id !== notification.id)].slice(0, RECENT);
		this.unread = unreadOf(data) ?? this.unread + 1;
	}

	/** Notifications were read (here or in another tab). */
	readElsewhere(data: unknown): void {
		const unread = unreadOf(data);
		if (unread === null || unread === this.unread) return;
		this.unread = unread;
		if (unread === 0) this.items = this.items.map((n) => (n.read_at ? n : { ...n, read_at: new Date().toISOString() }));
		else void this.refresh();
	}

	/** Forgets everything (signed out). */
	reset(): void {
		this.unread = 0;
		this.items = [];
		this.loaded = false;
		this.error = null;
	}

	async markRead(id: string): Promise<void> {
		const target = this.items.find((n) => n.id === id);
		if (!target || target.read_at) return;
		this.items = this.items.map((n) => (n.id === id ? { ...n, read_at: new Date().toISOString() } : n));
		this.unread = Math.max(0, this.unread - 1);
		try {
			const data = await api.post<{ unread_count: number }>('/notifications/read', { ids: [id] });
			this.unread = data.unread_count;
		} catch {
			await this.refresh();
		}
	}

	async markAllRead(): Promise<void> {
		const now = new Date().toISOString();
		this.items = this.items.map((n) => (n.read_at ? n : { ...n, read_at: now }));
		this.unread = 0;
		try {
			const data = await api.post<{ unread_count: number }>('/notifications/read', { all: true });
			this.unread = data.unread_count;
		} catch {
			await this.refresh();
		}
	}
}

/**
 * The approvals waiting for the signed-in user (the inbox and the count beside "Approvals").
 * Refetched when the stream (re)connects, when a notification arrives (a new approval is
 * announced by one) and when the tab comes back into view. `changes` counts those moments so
 * that pages showing other lists (an admin's view of everyone's approvals) can refetch too.
 */
class ApprovalInbox {
	items = $state<PendingApproval[]>([]);
	loaded = $state(false);
	changes = $state(0);

	get count(): number {
		return this.items.length;
	}

	async refresh(): Promise<void> {
		try {
			const data = await api.get<{ items: PendingApproval[] }>('/approvals/pending');
			this.items = data.items;
			this.loaded = true;
		} catch {
			// Keep what we have; the next event or focus tries again.
		}
	}

	/** Something may have changed: refetch, and tell the pages that watch `changes`. */
	touch(): void {
		this.changes += 1;
		void this.refresh();
	}

	reset(): void {
		this.items = [];
		this.loaded = false;
	}

	/** Drops a decided approval at once (the refetch confirms it). */
	remove(id: string): void {
		this.items = this.items.filter((a) => a.id !== id);
	}
}

export const notificationCenter = new NotificationCenter();
export const approvalInbox = new ApprovalInbox();

/**
 * Wires both stores to the tab's event stream; the app shell calls it once while a user is
 * signed in. Returns the teardown.
 */
export function connectLiveStores(): () => void {
	const release = liveEvents.start();
	const onVisible = () => {
		if (document.visibilityState === 'visible') {
			void notificationCenter.refresh();
			approvalInbox.touch();
		}
	};
	const offs = [
		liveEvents.on('ready', () => {
			void notificationCenter.refresh();
			approvalInbox.touch();
		}),
		liveEvents.on('notification.created', (data) => {
			notificationCenter.received(data);
			approvalInbox.touch();
		}),
		liveEvents.on('notification.read', (data) => notificationCenter.readElsewhere(data))
	];
	document.addEventListener('visibilitychange', onVisible);
	return () => {
		offs.forEach((off) => off());
		document.removeEventListener('visibilitychange', onVisible);
		release();
		notificationCenter.reset();
		approvalInbox.reset();
	};
}
