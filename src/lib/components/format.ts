/** Formatting for people (en-GB style, as elsewhere in the app). */

const numberFormat = new Intl.NumberFormat('en-GB', { maximumFractionDigits: 0 });

/** "€60,000", or "60,000 XYZ" for a code Intl does not know. */
export function formatMoney(amount: number, currency: string | null | undefined): string {
	if (!currency) return numberFormat.format(amount);
	try {
		return new Intl.NumberFormat('en-GB', { style: 'currency', currency, maximumFractionDigits: 0 }).format(amount);
	} catch {
		return `${numberFormat.format(amount)} ${currency}`;
	}
}

/** "€60,000 – €80,000", "from €60,000", "up to €80,000", or null without any amount. */
export function formatSalaryRange(
	min: number | null | undefined,
	max: number | null | undefined,
	currency: string | null | undefined
): string | null {
	if (min != null && max != null) return `${formatMoney(min, currency)} – ${formatMoney(max, currency)}`;
	if (min != null) return `from ${formatMoney(min, currency)}`;
	if (max != null) return `up to ${formatMoney(max, currency)}`;
	return null;
}

const dateFormat = new Intl.DateTimeFormat('en-GB', {
	day: 'numeric',
	month: 'short',
	year: 'numeric',
	timeZone: 'UTC'
});

/** A calendar date (YYYY-MM-DD or an ISO time) as "1 Mar 2027"; the same on server and browser. */
export function formatDate(value: string | null | undefined): string {
	if (!value) return '—';
	const date = new Date(value.length === 10 ? `${value}T00:00:00Z` : value);
	return Number.isNaN(date.getTime()) ? value : dateFormat.format(date);
}

const utcDateTime = new Intl.DateTimeFormat('en-GB', {
	day: 'numeric',
	month: 'short',
	year: 'numeric',
	hour: '2-digit',
	minute: '2-digit',
	timeZone: 'UTC',
	timeZoneName: 'short'
});

/** An instant in UTC: what the server renders before the browser shows local or relative time. */
export function formatDateTimeUtc(value: string): string {
	const date = new Date(value);
	return Number.isNaN(date.getTime()) ? value : utcDateTime.format(date);
}

const localDateTime = new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeStyle: 'short' });

/** An instant in the browser's time zone ("22 Nov 2026, 14:05"). Browser only. */
export function formatDateTimeLocal(value: string): string {
	const date = new Date(value);
	return Number.isNaN(date.getTime()) ? value : localDateTime.format(date);
}

/** "just now", "5 min ago", "3 h ago", "yesterday", "4 days ago", else the date. */
export function relativeTime(value: string, now: number): string {
	const then = new Date(value).getTime();
	if (Number.isNaN(then)) return value;
	const seconds = Math.round((now - then) / 1000);
	if (seconds < 45) return 'just now';
	const minutes = Math.round(seconds / 60);
	if (minutes < 60) return `${minutes} min ago`;
	const hours = Math.round(minutes / 60);
	if (hours < 24) return `${hours} h ago`;
	const days = Math.round(hours / 24);
	if (days === 1) return 'yesterday';
	if (days < 7) return `${days} days ago`;
	return formatDate(value);
}

/** "1 requirement", "3 requirements". */
export function plural(count: number, singular: string, pluralForm = `${singular}s`): string {
	return `${count} ${count === 1 ? singular : pluralForm}`;
}
