import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * The candidate's offer link: `/offer/<offerId>.<expires>.<nonce>.<signature>` where the
 * signature is an HMAC-SHA256 with the server's secret key. A changed character, an expired
 * link or a nonce the offer no longer holds (the link was replaced) is refused.
 */
export function newLinkNonce(): string {
	return randomBytes(12).toString('base64url');
}

function sign(secret: Buffer, payload: string): string {
	return createHmac('sha256', secret).update(payload).digest('base64url');
}

export function offerToken(secret: Buffer, offerId: string, expiresAt: Date, nonce: string): string {
	const payload = `${offerId}.${Math.floor(expiresAt.getTime() / 1000)}.${nonce}`;
	return `${payload}.${sign(secret, payload)}`;
}

export type TokenCheck =
	| { ok: true; offerId: string; nonce: string; expiresAt: Date }
	| { ok: false; reason: 'malformed' | 'tampered' | 'expired' };

export function verifyOfferToken(secret: Buffer, token: string, now = new Date()): TokenCheck {
	const parts = token.split('.');
	if (parts.length !== 4) return { ok: false, reason: 'malformed' };
	const [offerId, expires, nonce, signature] = parts;
	if (!/^[0-9a-f-]{36}$/.test(offerId) || !/^\d{1,12}$/.test(expires) || !/^[A-Za-z0-9_-]{8,64}$/.test(nonce)) {
		return { ok: false, reason: 'malformed' };
	}
	const expected = Buffer.from(sign(secret, `${offerId}.${expires}.${nonce}`));
	const given = Buffer.from(signature);
	if (expected.length !== given.length || !timingSafeEqual(expected, given)) return { ok: false, reason: 'tampered' };
	const expiresAt = new Date(Number(expires) * 1000);
	if (expiresAt <= now) return { ok: false, reason: 'expired' };
	return { ok: true, offerId, nonce, expiresAt };
}
