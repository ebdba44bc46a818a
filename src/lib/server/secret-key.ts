import { randomBytes, createHash } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ConfigError, type Config } from './config';

/**
 * The key for encrypting stored secrets (integration credentials). SECRET_KEY when set; in
 * embedded mode without it, a random key is created once in DATA_DIR/secret.key (mode 0600).
 * Separate processes must share it, so distributed mode requires SECRET_KEY.
 */
export async function resolveSecretKey(config: Config): Promise<Buffer> {
	if (config.SECRET_KEY) return createHash('sha256').update(config.SECRET_KEY).digest();
	if (config.role !== 'embedded') {
		throw new ConfigError(
			'Invalid configuration: SECRET_KEY is required in distributed mode (all processes must share it)'
		);
	}
	const file = path.join(config.DATA_DIR, 'secret.key');
	try {
		const stored = (await readFile(file, 'utf8')).trim();
		if (stored.length >= 32) return createHash('sha256').update(stored).digest();
	} catch {
		// not created yet
	}
	const fresh = randomBytes(32).toString('hex');
	await mkdir(config.DATA_DIR, { recursive: true });
	await writeFile(file, fresh + '\n', { mode: 0o600 });
	return createHash('sha256').update(fresh).digest();
}
