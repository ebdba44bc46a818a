import type { Cookies } from '@sveltejs/kit';
import { SIGNED_OUT_COOKIE } from '../../offline/signed-out-mark';
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
 * Set by a sign-out whose page did not clear the user's data first (src/lib/offline/signed-out-mark.ts):
 * the next page clears it. Readable by the page, short-lived, only the user's id.
 */
export function setSignedOutCookie(cookies: Cookies, userId: string, secure: boolean) {
	cookies.set(SIGNED_OUT_COOKIE, userId, { httpOnly: false, sameSite: 'lax', secure, path: '/', maxAge: 600 });
}
