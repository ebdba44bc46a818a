/**
 * Wall-clock times in a named time zone, for the scheduling form: the person picks a date and
 * time as it reads in the interview's zone, the API receives the instant.
 */

function wallClockParts(instant: number, timeZone: string) {
	const parts = new Intl.DateTimeFormat('en-US', {
		timeZone,
		hourCycle: 'h23',
		year: 'numeric',
		month: '2-digit',
		day: '2-digit',
		hour: '2-digit',
		minute: '2-digit',
		second: '2-digit'
	}).formatToParts(new Date(instant));
	const get = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0);
	return { year: get('year'), month: get('month'), day: get('day'), hour: get('hour'), minute: get('minute') };
}

/** Milliseconds the zone is ahead of UTC at `instant`. */
function zoneOffset(instant: number, timeZone: string): number {
	const p = wallClockParts(instant, timeZone);
	const asUtc = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute);
	return asUtc - Math.floor(instant / 60_000) * 60_000;
}

const LOCAL = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})$/;

/**
 * "2027-06-01T10:00" read in `timeZone` → the ISO instant, or null when the text is not a date
 * and time. A time skipped by a DST change moves forward by the gap, as calendars do.
 */
export function zonedToInstant(local: string, timeZone: string): string | null {
	const m = LOCAL.exec(local);
	if (!m) return null;
	const wall = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]));
	let guess = wall - zoneOffset(wall, timeZone);
	// The offset at the guessed instant can differ near a DST change: settle on it.
	guess = wall - zoneOffset(guess, timeZone);
	return new Date(guess).toISOString();
}

/** An ISO instant as "2027-06-01T10:00" in `timeZone` (for a datetime-local input). */
export function instantToZoned(iso: string, timeZone: string): string {
	const p = wallClockParts(new Date(iso).getTime(), timeZone);
	const two = (n: number) => String(n).padStart(2, '0');
	return `${p.year}-${two(p.month)}-${two(p.day)}T${two(p.hour)}:${two(p.minute)}`;
}

/** "Tue 1 Jun 2027, 10:00–11:00" as it reads in `timeZone`. */
export function formatSlot(startIso: string, endIso: string, timeZone: string): string {
	const day = new Intl.DateTimeFormat('en-GB', {
		timeZone,
		weekday: 'short',
		day: 'numeric',
		month: 'short',
		year: 'numeric'
	});
	const time = new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit' });
	const start = new Date(startIso);
	const end = new Date(endIso);
	const sameDay = day.format(start) === day.format(end);
	return sameDay
		? `${day.format(start)}, ${time.format(start)}–${time.format(end)}`
		: `${day.format(start)}, ${time.format(start)} – ${day.format(end)}, ${time.format(end)}`;
}

/** The time zones this browser knows, with `preferred` first-class even if the list lacks it. */
export function timeZoneOptions(preferred: string[]): Array<{ value: string; label: string }> {
	let zones: string[] = [];
	try {
		zones = Intl.supportedValuesOf('timeZone');
	} catch {
		zones = [];
	}
	const all = [...new Set([...preferred.filter(Boolean), 'UTC', ...zones])];
	return all.map((z) => ({ value: z, label: z.replace(/_/g, ' ') }));
}

/** The browser's own zone (UTC where it cannot tell). */
export function browserTimeZone(): string {
	try {
		return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
	} catch {
		return 'UTC';
	}
}
