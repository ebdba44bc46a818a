import { clearUserData } from './clear';
import { SIGNED_OUT_COOKIE } from './signed-out-mark';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * After a sign-out the page's handler did not see (the form was posted before the page had
 * hydrated, so nothing was cleared before it left), the next page removes that user's data from
 * this browser. Not when that user is signed in again here: it is theirs. Returns the clearing,
 * or null when there is nothing to clear.
 */
export function clearAfterServerSignOut(signedInUserId: string | null): Promise<void> | null {
	if (typeof document === 'undefined') return null;
	const entry = document.cookie.split('; ').find((c) => c.startsWith(`${SIGNED_OUT_COOKIE}=`));
	if (!entry) return null;
	const userId = decodeURIComponent(entry.slice(SIGNED_OUT_COOKIE.length + 1));
	const secure = location.protocol === 'https:' ? '; Secure' : '';
	document.cookie = `${SIGNED_OUT_COOKIE}=; Path=/; Max-Age=0; SameSite=Lax${secure}`;
	if (!UUID.test(userId) || userId === signedInUserId) return null;
	return clearUserData(userId);
}
