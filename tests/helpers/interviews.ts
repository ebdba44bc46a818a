import path from 'node:path';
import ICAL from 'ical.js';
import { expect } from 'vitest';
import { openDatabase } from '../../src/lib/server/db/client';
import { mimeParts } from './mail';
import type { ReceivedMail } from './app';
import type { Member, RunningApp } from './hiring';

/**
 * Helpers for the interview and offer suites (issue 5): iCalendar parsing with a real parser
 * (ical.js, each file's own VTIMEZONE registered), calendar parts of captured e-mails, and
 * scorecard bodies built from a template.
 */

export interface ParsedEvent {
	uid: string;
	sequence: number;
	status: string | null;
	summary: string;
	/** The instant DTSTART names, resolved through the file's VTIMEZONE. */
	start: Date;
	end: Date;
	/** The zone DTSTART is written in (UTC for an ambiguous local time). */
	startZone: string;
	endZone: string;
	attendees: string[];
}

export interface ParsedCalendar {
	method: string | null;
	timezones: string[];
	events: ParsedEvent[];
}

/**
 * Parses an iCalendar text with ical.js. The time zone registry is emptied first and filled with
 * this file's VTIMEZONEs only, so a TZID the file does not define resolves as floating time —
 * and the instant comparisons in the tests catch it.
 */
export function parseCalendar(text: string): ParsedCalendar {
	const root = new ICAL.Component(ICAL.parse(text));
	ICAL.TimezoneService.reset();
	const timezones: string[] = [];
	for (const vtz of root.getAllSubcomponents('vtimezone')) {
		const tzid = vtz.getFirstPropertyValue('tzid');
		if (typeof tzid === 'string') timezones.push(tzid);
		ICAL.TimezoneService.register(vtz);
	}
	const events = root.getAllSubcomponents('vevent').map((component) => {
		const event = new ICAL.Event(component);
		const status = component.getFirstPropertyValue('status');
		return {
			uid: event.uid,
			sequence: event.sequence,
			status: typeof status === 'string' ? status : null,
			summary: event.summary,
			start: event.startDate.toJSDate(),
			end: event.endDate.toJSDate(),
			startZone: event.startDate.zone?.tzid ?? 'floating',
			endZone: event.endDate.zone?.tzid ?? 'floating',
			attendees: component.getAllProperties('attendee').map((p) =>
				String(p.getFirstValue())
					.replace(/^mailto:/i, '')
					.toLowerCase()
			)
		};
	});
	const method = root.getFirstPropertyValue('method');
	return { method: typeof method === 'string' ? method : null, timezones, events };
}

/** The one event of an invitation file. */
export function onlyEvent(calendar: ParsedCalendar): ParsedEvent {
	expect(calendar.events).toHaveLength(1);
	return calendar.events[0];
}

/** The calendar part (text/calendar) of a captured e-mail, parsed; null when it has none. */
export function mailCalendar(mail: ReceivedMail): ParsedCalendar | null {
	const part = mimeParts(mail.raw)['text/calendar'];
	return part ? parseCalendar(part) : null;
}

/** Calendar e-mails a mailbox received, oldest first, with their parsed invitation. */
export function calendarMails(messages: ReceivedMail[], email: string, uid: string) {
	return messages.flatMap((mail) => {
		if (!mail.to.includes(email)) return [];
		const calendar = mailCalendar(mail);
		if (!calendar || !calendar.events.some((e) => e.uid === uid)) return [];
		return [{ mail, calendar, event: onlyEvent(calendar) }];
	});
}

export interface TemplateView {
	id: string;
	sections: Array<{ title: string; competencies: Array<{ key: string; name: string }> }>;
}

/** Every competency key of a template, in order. */
export function competencyKeys(template: TemplateView): string[] {
	return template.sections.flatMap((s) => s.competencies.map((c) => c.key));
}

/** A complete scorecard body: every competency rated `rating`, with evidence. */
export function completeScorecard(
	template: TemplateView,
	rating: number,
	recommendation: 'strong_no' | 'no' | 'yes' | 'strong_yes'
) {
	return {
		ratings: Object.fromEntries(
			competencyKeys(template).map((key) => [key, { rating, evidence: `${key}: evidence for ${rating}` }])
		),
		recommendation,
		summary: `Overall ${recommendation}`
	};
}

/** The built-in "General interview" template (seeded by migration 0006), through the API. */
export async function generalTemplate(who: Member): Promise<TemplateView> {
	const res = await who.api.get('/scorecard-templates');
	expect(res.status, JSON.stringify(res.body)).toBe(200);
	const found = (res.body.data.items as Array<TemplateView & { name: string }>).find(
		(t) => t.name === 'General interview'
	);
	expect(found, 'the seeded General interview template').toBeTruthy();
	return found!;
}

/** An ISO instant `hours` from now (negative: in the past), on the minute. */
export function hoursFromNow(hours: number): string {
	const ms = Date.now() + hours * 3_600_000;
	return new Date(Math.floor(ms / 60_000) * 60_000).toISOString();
}

/**
 * Raw SQL on the database behind a running app. Postgres: alongside the app. PGlite: one process
 * owns its data folder, so the app is STOPPED first and its folder opened here — call it last.
 */
export async function databaseBehind(running: RunningApp) {
	if (running.database) {
		const handle = running.database.handle;
		return { rows: (query: string) => handle.rows(query), close: async () => {} };
	}
	await running.app.stop();
	const handle = await openDatabase({ pgliteDir: path.join(running.app.dataDir, 'pg') });
	return { rows: (query: string) => handle.rows(query), close: () => handle.close() };
}

export interface MailAttachment {
	contentType: string;
	filename: string | null;
	bytes: Buffer;
}

/** The leaf parts of a message that carry a file name or a non-text type, as bytes. */
export function mailAttachments(raw: string): MailAttachment[] {
	const found: MailAttachment[] = [];
	const walk = (text: string) => {
		const at = text.search(/\r?\n\r?\n/);
		const head = at < 0 ? text : text.slice(0, at);
		const body = at < 0 ? '' : text.slice(at).replace(/^\r?\n\r?\n/, '');
		const headers: Record<string, string> = {};
		for (const line of head.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)) {
			const colon = line.indexOf(':');
			if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
		}
		const type = headers['content-type'] ?? 'text/plain';
		const boundary = /boundary="?([^";]+)"?/i.exec(type)?.[1];
		if (/^multipart\//i.test(type) && boundary) {
			for (const part of body.split(`--${boundary}`).slice(1)) {
				if (part.startsWith('--')) break;
				walk(part.replace(/^\r?\n/, ''));
			}
			return;
		}
		const filename = /filename="?([^";]+)"?/i.exec(headers['content-disposition'] ?? '')?.[1] ?? null;
		if (!filename && /^text\//i.test(type)) return;
		const encoding = headers['content-transfer-encoding'] ?? '';
		const bytes = /base64/i.test(encoding)
			? Buffer.from(body.replace(/\s+/g, ''), 'base64')
			: Buffer.from(body, 'latin1');
		found.push({ contentType: type.split(';')[0].trim().toLowerCase(), filename, bytes });
	};
	walk(raw);
	return found;
}
