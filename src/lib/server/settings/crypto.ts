import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';

const IV_BYTES = 12;
const TAG_BYTES = 16;

/** Thrown when a stored secret cannot be decrypted (another SECRET_KEY, or tampered data). */
export class SecretUnreadable extends Error {
	override name = 'SecretUnreadable';
}

/**
 * Encrypts a JSON object with AES-256-GCM: base64(iv | tag | ciphertext). `context` (the
 * setting's key) is bound as additional data, so a ciphertext copied to another row fails.
 */
export function encryptSecret(key: Buffer, value: Record<string, string>, context: string): string {
	const iv = randomBytes(IV_BYTES);
	const cipher = createCipheriv('aes-256-gcm', key, iv);
	cipher.setAAD(Buffer.from(context, 'utf8'));
	const ciphertext = Buffer.concat([cipher.update(JSON.stringify(value), 'utf8'), cipher.final()]);
	return Buffer.concat([iv, cipher.getAuthTag(), ciphertext]).toString('base64');
}

/** Decrypts what `encryptSecret` wrote; throws SecretUnreadable on a wrong key or tampering. */
export function decryptSecret(key: Buffer, stored: string, context: string): Record<string, string> {
	const raw = Buffer.from(stored, 'base64');
	if (raw.length < IV_BYTES + TAG_BYTES) throw new SecretUnreadable('The stored secret is truncated');
	try {
		const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, IV_BYTES));
		decipher.setAAD(Buffer.from(context, 'utf8'));
		decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
		const plain = Buffer.concat([decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]);
		const parsed: unknown = JSON.parse(plain.toString('utf8'));
		if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('not an object');
		const out: Record<string, string> = {};
		for (const [k, v] of Object.entries(parsed)) if (typeof v === 'string') out[k] = v;
		return out;
	} catch {
		throw new SecretUnreadable('The stored secret cannot be decrypted (was SECRET_KEY changed?)');
	}
}

/**
 * A short, non-reversible tag of a secret (HMAC with the server key), so an admin can tell
 * whether two keys are the same without the key ever being shown.
 */
export function secretFingerprint(key: Buffer, secret: string): string {
	return createHmac('sha256', key).update(secret, 'utf8').digest('hex').slice(0, 8);
}
