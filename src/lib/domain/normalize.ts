import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js';

/** E-mail as compared for duplicates: trimmed, lower-cased. */
export function normalizeEmail(email: string): string {
	return email.trim().toLowerCase();
}

/**
 * Phone in E.164 (+4915112345678). Numbers without a country code are read in
 * `defaultCountry`; a number that cannot be parsed keeps its digits (with a leading + if given).
 */
export function normalizePhone(phone: string, defaultCountry: string = 'US'): string | null {
	const trimmed = phone.trim();
	if (!trimmed) return null;
	const parsed = parsePhoneNumberFromString(trimmed, defaultCountry.toUpperCase() as CountryCode);
	if (parsed?.isValid()) return parsed.number;
	const digits = trimmed.replace(/[^\d]/g, '');
	if (digits.length < 5) return null;
	return (trimmed.startsWith('+') ? '+' : '') + digits;
}

/**
 * LinkedIn profile URL in one canonical form — `linkedin.com/in/<slug>` — whatever the scheme,
 * subdomain (www., de.), query or trailing slash. Not a LinkedIn profile → null.
 */
export function normalizeLinkedIn(url: string): string | null {
	const trimmed = url.trim();
	if (!trimmed) return null;
	let parsed: URL;
	try {
		parsed = new URL(/^https?:\/\//i.test(trimmed) ? trimmed : `https://${trimmed}`);
	} catch {
		return null;
	}
	if (!/(^|\.)linkedin\.com$/i.test(parsed.hostname)) return null;
	const match = /^\/(in|pub)\/([^/?#]+)/i.exec(parsed.pathname);
	if (!match) return null;
	return `linkedin.com/in/${decodeURIComponent(match[2]).toLowerCase()}`;
}

/** Tags: trimmed, lower-cased, unique, in the order given. */
export function normalizeTags(tags: string[]): string[] {
	return [...new Set(tags.map((t) => t.trim().toLowerCase()).filter(Boolean))];
}
