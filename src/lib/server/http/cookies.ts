import type { Cookies } from '@sveltejs/kit';
import { SESSION_COOKIE } from '../auth/session';

/** Sets the session cookie: httpOnly, SameSite=Lax, Secure when the origin is https. */
export function setSessionCookie(cookies: Cookies, token: string, expiresAt: Date, secure: boolean) {
	cookies.set(SESSION_COOKIE, token, { httpOnly: true, sameSite: 'lax', secure, path: '/', expires: expiresAt });
}

export function clearSessionCookie(cookies: Cookies, secure: boolean) {
	cookies.delete(SESSION_COOKIE, { httpOnly: true, sameSite: 'lax', secure, path: '/' });
}

/** The session token from `Authorization: Bearer …` (API clients) or the cookie (browsers). */
export function readSessionToken(request: Request, cookies: Cookies): string | null {
	const header = request.headers.get('authorization');
	if (header) {
		const match = /^Bearer\s+(\S+)$/i.exec(header);
		return match ? match[1] : null;
	}
	return cookies.get(SESSION_COOKIE) ?? null;
}

/**
 * Set by a sign-out that the page's own handler did not see (a click before the page had
 * hydrated posts the form natively): the next page clears that user's data from the browser
 * (`src/lib/offline/server-sign-out.ts`). Readable by the page, short-lived, only the user's id.
 */
export const SIGNED_OUT_COOKIE = 'hh_signed_out';

export function setSignedOutCookie(cookies: Cookies, userId: string, secure: boolean) {
	cookies.set(SIGNED_OUT_COOKIE, userId, { httpOnly: false, sameSite: 'lax', secure, path: '/', maxAge: 600 });
}
