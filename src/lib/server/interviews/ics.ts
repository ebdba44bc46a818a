/**
 * iCalendar (RFC 5545) for interview invitations and calendar feeds. Times are written in the
 * interview's own time zone (DTSTART;TZID=…) with a VTIMEZONE built from the runtime's zone data
 * — every offset change in the years around the event — so Google Calendar, Outlook and strict
 * parsers agree on the instant.
 */

export type IcsMethod = 'REQUEST' | 'CANCEL' | 'PUBLISH';

export interface IcsAttendee {
	name: string;
	email: string;
	role?: 'REQ-PARTICIPANT' | 'CHAIR' | 'OPT-PARTICIPANT';
}

export interface IcsEvent {
	uid: string;
	sequence: number;
	start: Date;
	end: Date;
	timeZone: string;
	summary: string;
	description?: string;
	location?: string | null;
	url?: string | null;
	organizer: { name: string; email: string };
	attendees: IcsAttendee[];
	cancelled?: boolean;
	/** Last change (DTSTAMP / LAST-MODIFIED). */
	stamp?: Date;
}

/** Escapes TEXT values (RFC 5545 §3.3.11). */
export function escapeText(value: string): string {
	return value.replace(/\\/g, '\\\\').replace(/;/g, '\\;').replace(/,/g, '\\,').replace(/\r?\n/g, '\\n');
}

/** Folds a content line at 75 octets (continuation lines start with a space). */
export function foldLine(line: string): string {
	const bytes = Buffer.from(line, 'utf8');
	if (bytes.length <= 75) return line;
	const parts: string[] = [];
	let current = '';
	let size = 0;
	for (const ch of line) {
		const chSize = Buffer.byteLength(ch, 'utf8');
		if (size + chSize > (parts.length === 0 ? 75 : 74)) {
			parts.push(current);
			current = '';
			size = 0;
		}
		current += ch;
		size += chSize;
	}
	parts.push(current);
	return parts.join('\r\n ');
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

export function utcStamp(d: Date): string {
	return `${d.getUTCFullYear()}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}T${pad(d.getUTCHours())}${pad(d.getUTCMinutes())}${pad(d.getUTCSeconds())}Z`;
}

// Building a formatter costs far more than using one, and a VTIMEZONE asks ~1,500 times.
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
	let formatter = formatters.get(timeZone);
	if (!formatter) {
		formatter = new Intl.DateTimeFormat('en-US', {
			timeZone,
			hourCycle: 'h23',
			year: 'numeric',
			month: '2-digit',
			day: '2-digit',
			hour: '2-digit',
			minute: '2-digit',
			second: '2-digit'
		});
		formatters.set(timeZone, formatter);
	}
	return formatter;
}

/** Wall-clock fields of an instant in a time zone. */
function wallClock(d: Date, timeZone: string) {
	const parts = formatterFor(timeZone).formatToParts(d);
	const get = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? '0');
	return {
		year: get('year'),
		month: get('month'),
		day: get('day'),
		hour: get('hour'),
		minute: get('minute'),
		second: get('second')
	};
}

export function localStamp(d: Date, timeZone: string): string {
	const w = wallClock(d, timeZone);
	return `${pad(w.year, 4)}${pad(w.month)}${pad(w.day)}T${pad(w.hour)}${pad(w.minute)}${pad(w.second)}`;
}

/**
 * Does this instant's wall-clock time occur twice in the zone (the hour repeated when clocks go
 * back)? RFC 5545 says such a local time means its first occurrence, but parsers differ
 * (ical.js takes the second), so these instants are written in UTC instead.
 */
export function isAmbiguousLocal(d: Date, timeZone: string): boolean {
	const own = offsetMinutes(d, timeZone);
	const local = localStamp(d, timeZone);
	for (const probe of [d.getTime() - 12 * 3_600_000, d.getTime() + 12 * 3_600_000]) {
		const other = offsetMinutes(new Date(probe), timeZone);
		if (other === own) continue;
		const twin = new Date(d.getTime() + (own - other) * 60_000);
		if (localStamp(twin, timeZone) === local) return true;
	}
	return false;
}

/** `DTSTART;TZID=Europe/Berlin:20270301T100000`, or in UTC when the local time is ambiguous. */
function dateTimeProperty(name: 'DTSTART' | 'DTEND', d: Date, timeZone: string): string {
	if (isAmbiguousLocal(d, timeZone)) return `${name}:${utcStamp(d)}`;
	return `${name};TZID=${timeZone}:${localStamp(d, timeZone)}`;
}

/**
 * A parameter value (CN=…): quoted, since names hold commas, colons and semicolons that would
 * otherwise end the parameter (RFC 5545 §3.2 — backslash escapes do not apply here). A double
 * quote cannot appear inside one at all.
 */
export function paramValue(value: string): string {
	const kept = [...value].filter((ch) => ch !== '"' && ch.charCodeAt(0) >= 0x20 && ch.charCodeAt(0) !== 0x7f);
	return `"${kept.join('')}"`;
}

/** The zone's UTC offset at an instant, in minutes. */
export function offsetMinutes(d: Date, timeZone: string): number {
	const w = wallClock(d, timeZone);
	const asUtc = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
	return Math.round((asUtc - Math.floor(d.getTime() / 1000) * 1000) / 60000);
}

function formatOffset(minutes: number): string {
	const sign = minutes < 0 ? '-' : '+';
	const abs = Math.abs(minutes);
	return `${sign}${pad(Math.floor(abs / 60))}${pad(abs % 60)}`;
}

/** Instants where the zone's offset changes between `from` and `to` (to the minute). */
export function offsetTransitions(
	timeZone: string,
	from: Date,
	to: Date
): Array<{ at: Date; before: number; after: number }> {
	const out: Array<{ at: Date; before: number; after: number }> = [];
	const DAY = 86_400_000;
	let t = from.getTime();
	let previous = offsetMinutes(new Date(t), timeZone);
	while (t < to.getTime()) {
		const next = Math.min(t + DAY, to.getTime());
		const offset = offsetMinutes(new Date(next), timeZone);
		if (offset !== previous) {
			let lo = t;
			let hi = next;
			while (hi - lo > 60_000) {
				const mid = lo + Math.max(60_000, Math.floor((hi - lo) / 120_000) * 60_000);
				if (offsetMinutes(new Date(mid), timeZone) === previous) lo = mid;
				else hi = mid;
			}
			out.push({ at: new Date(hi), before: previous, after: offset });
			previous = offset;
		}
		t = next;
	}
	return out;
}

/** A VTIMEZONE covering the year before the first event to the year after the last. */
export function vtimezone(timeZone: string, from: Date, to: Date): string[] {
	const start = new Date(Date.UTC(from.getUTCFullYear() - 1, 0, 1));
	const end = new Date(Date.UTC(to.getUTCFullYear() + 2, 0, 1));
	const transitions = offsetTransitions(timeZone, start, end);
	const lines = ['BEGIN:VTIMEZONE', `TZID:${timeZone}`];
	const initial = offsetMinutes(start, timeZone);
	const observance = (kind: 'STANDARD' | 'DAYLIGHT', onsetLocal: string, fromOffset: number, toOffset: number) => [
		`BEGIN:${kind}`,
		`DTSTART:${onsetLocal}`,
		`TZOFFSETFROM:${formatOffset(fromOffset)}`,
		`TZOFFSETTO:${formatOffset(toOffset)}`,
		`END:${kind}`
	];
	lines.push(...observance('STANDARD', '19700101T000000', initial, initial));
	for (const tr of transitions) {
		// The onset is the wall-clock time just before the change, in the offset being left.
		const localBefore = new Date(tr.at.getTime() + tr.before * 60_000);
		const onset = `${pad(localBefore.getUTCFullYear(), 4)}${pad(localBefore.getUTCMonth() + 1)}${pad(localBefore.getUTCDate())}T${pad(localBefore.getUTCHours())}${pad(localBefore.getUTCMinutes())}${pad(localBefore.getUTCSeconds())}`;
		lines.push(...observance(tr.after > tr.before ? 'DAYLIGHT' : 'STANDARD', onset, tr.before, tr.after));
	}
	lines.push('END:VTIMEZONE');
	return lines;
}

function eventLines(e: IcsEvent, method: IcsMethod): string[] {
	const cancelled = method === 'CANCEL' || e.cancelled;
	const lines = [
		'BEGIN:VEVENT',
		`UID:${e.uid}`,
		`SEQUENCE:${e.sequence}`,
		`DTSTAMP:${utcStamp(e.stamp ?? new Date())}`,
		`LAST-MODIFIED:${utcStamp(e.stamp ?? new Date())}`,
		dateTimeProperty('DTSTART', e.start, e.timeZone),
		dateTimeProperty('DTEND', e.end, e.timeZone),
		`SUMMARY:${escapeText(e.summary)}`,
		`STATUS:${cancelled ? 'CANCELLED' : 'CONFIRMED'}`,
		`ORGANIZER;CN=${paramValue(e.organizer.name)}:mailto:${e.organizer.email}`
	];
	if (e.description) lines.push(`DESCRIPTION:${escapeText(e.description)}`);
	if (e.location) lines.push(`LOCATION:${escapeText(e.location)}`);
	if (e.url) lines.push(`URL:${e.url}`);
	for (const a of e.attendees) {
		lines.push(
			`ATTENDEE;CN=${paramValue(a.name)};ROLE=${a.role ?? 'REQ-PARTICIPANT'};PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:${a.email}`
		);
	}
	lines.push('END:VEVENT');
	return lines;
}

/** A VCALENDAR with one or more events (METHOD:REQUEST / CANCEL for e-mails, PUBLISH for feeds). */
export function buildCalendar(events: IcsEvent[], method: IcsMethod, name?: string): string {
	const lines = [
		'BEGIN:VCALENDAR',
		'VERSION:2.0',
		'PRODID:-//Hiring Hare//Interviews//EN',
		'CALSCALE:GREGORIAN',
		`METHOD:${method}`
	];
	if (name) lines.push(`X-WR-CALNAME:${escapeText(name)}`);
	const zones = new Map<string, { from: Date; to: Date }>();
	for (const e of events) {
		const range = zones.get(e.timeZone);
		zones.set(e.timeZone, {
			from: range && range.from < e.start ? range.from : e.start,
			to: range && range.to > e.end ? range.to : e.end
		});
	}
	for (const [tz, range] of zones) lines.push(...vtimezone(tz, range.from, range.to));
	for (const e of events) lines.push(...eventLines(e, method));
	lines.push('END:VCALENDAR');
	return lines.map(foldLine).join('\r\n') + '\r\n';
}
