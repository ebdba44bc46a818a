import { eq } from 'drizzle-orm';
import { can } from '../../permissions';
import {
	INTEGRATION_FIELDS,
	INTEGRATION_KEYS,
	INTEGRATION_LABELS,
	integrationKeyParam,
	type IntegrationInput,
	type IntegrationKey
} from '../../schemas/settings';
import { subjectOf, type Actor } from '../actor';
import { recordAudit } from '../audit/audit';
import type { Executor } from '../db/client';
import { integrationSettings, users } from '../db/schema';
import { Conflict, Forbidden, NotFound } from '../errors';
import type { Runtime } from '../runtime';
import { decryptSecret, encryptSecret, secretFingerprint, SecretUnreadable } from './crypto';

/** One integration's stored values: plain ones and decrypted secrets (server side only). */
export interface StoredIntegration {
	values: Record<string, string>;
	secrets: Record<string, string>;
	/** Set when the stored secrets could not be decrypted (another SECRET_KEY). */
	unreadable: boolean;
	updatedAt: Date | null;
	updatedBy: string | null;
}

const EMPTY: StoredIntegration = { values: {}, secrets: {}, unreadable: false, updatedAt: null, updatedBy: null };

/** An integration named in a route's path, or a 404. */
export function integrationKeyOf(value: string | undefined): IntegrationKey {
	const parsed = integrationKeyParam.safeParse(value);
	if (!parsed.success) throw new NotFound('Integration');
	return parsed.data;
}

function assertAdmin(actor: Actor, action: 'read' | 'manage') {
	if (!can(subjectOf(actor), action, 'settings')) throw new Forbidden('Only admins manage integrations');
}

function plainValues(value: Record<string, unknown>): Record<string, string> {
	const out: Record<string, string> = {};
	for (const [k, v] of Object.entries(value)) if (typeof v === 'string' && v) out[k] = v;
	return out;
}

/** Reads one integration's settings row and decrypts its secrets (for the features that use it). */
export async function readIntegration(rt: Runtime, key: IntegrationKey, db: Executor = rt.db) {
	const [row] = await db.select().from(integrationSettings).where(eq(integrationSettings.key, key));
	if (!row) return EMPTY;
	let secrets: Record<string, string> = {};
	let unreadable = false;
	if (row.secret) {
		try {
			secrets = decryptSecret(rt.secretKey, row.secret, key);
		} catch (err) {
			if (!(err instanceof SecretUnreadable)) throw err;
			unreadable = true;
			rt.logger.warn({ integration: key }, 'stored integration secret cannot be decrypted');
		}
	}
	return {
		values: plainValues(row.value),
		secrets,
		unreadable,
		updatedAt: row.updatedAt,
		updatedBy: row.updatedBy
	} satisfies StoredIntegration;
}

/** What the environment provides for an integration (the fallback when nothing is stored). */
function environmentValues(rt: Runtime, key: IntegrationKey): Record<string, string | undefined> {
	const c = rt.config;
	switch (key) {
		case 'gemini':
			return { api_key: c.GEMINI_API_KEY, model: c.GEMINI_MODEL };
		case 'google_cse':
			return { key: c.GOOGLE_CSE_KEY, cx: c.GOOGLE_CSE_CX };
		case 'smtp':
			return { url: c.SMTP_URL };
		case 'smartrecruiters':
			return {};
	}
}

/** Effective values: a stored value wins over the environment's, field by field. */
async function effectiveValues(rt: Runtime, key: IntegrationKey) {
	const stored = await readIntegration(rt, key);
	const env = environmentValues(rt, key);
	const merged: Record<string, string | undefined> = { ...env, ...stored.values, ...stored.secrets };
	const from: Record<string, 'settings' | 'environment' | null> = {};
	const { plain, secret } = INTEGRATION_FIELDS[key];
	for (const field of [...plain, ...secret]) {
		from[field] =
			(stored.values[field] ?? stored.secrets[field]) !== undefined ? 'settings' : env[field] ? 'environment' : null;
	}
	return { merged, from, stored };
}

export interface GeminiSettings {
	apiKey: string | null;
	model: string;
	baseUrl: string | undefined;
}

/** The Gemini key and model in force (settings first, then GEMINI_API_KEY / GEMINI_MODEL). */
export async function geminiSettings(rt: Runtime): Promise<GeminiSettings> {
	const { merged } = await effectiveValues(rt, 'gemini');
	return {
		apiKey: merged.api_key || null,
		model: merged.model || rt.config.GEMINI_MODEL,
		baseUrl: rt.config.GEMINI_BASE_URL
	};
}

/** The Custom Search key and cx in force, or null when either is missing. */
export async function customSearchSettings(rt: Runtime): Promise<{ key: string; cx: string } | null> {
	const { merged } = await effectiveValues(rt, 'google_cse');
	return merged.key && merged.cx ? { key: merged.key, cx: merged.cx } : null;
}

export interface SmartRecruitersSettings {
	baseUrl: string;
	username: string;
	password: string;
}

/** The stored SmartRecruiters address and credentials, or null until an admin set all three. */
export async function smartRecruitersSettings(rt: Runtime): Promise<SmartRecruitersSettings | null> {
	const { merged } = await effectiveValues(rt, 'smartrecruiters');
	if (!merged.base_url || !merged.username || !merged.password) return null;
	return { baseUrl: merged.base_url, username: merged.username, password: merged.password };
}

/** The SMTP URL in force (settings, then SMTP_URL), or null. */
export async function smtpSettings(rt: Runtime): Promise<string | null> {
	const { merged } = await effectiveValues(rt, 'smtp');
	return merged.url || null;
}

/**
 * An integration as the API shows it: plain values, and for each secret only whether it is set,
 * where it comes from and a short fingerprint — never the secret itself.
 */
async function integrationView(rt: Runtime, key: IntegrationKey) {
	const { merged, from, stored } = await effectiveValues(rt, key);
	const { plain, secret } = INTEGRATION_FIELDS[key];
	const values: Record<string, string | null> = {};
	for (const field of plain) values[field] = merged[field] ?? null;
	const secrets: Record<
		string,
		{ set: boolean; source: string | null; masked: string | null; fingerprint: string | null }
	> = {};
	for (const field of secret) {
		const value = merged[field];
		secrets[field] = {
			set: Boolean(value),
			source: from[field],
			masked: value ? '••••••••' : null,
			fingerprint: value ? secretFingerprint(rt.secretKey, value) : null
		};
	}
	let updatedByName: string | null = null;
	if (stored.updatedBy) {
		const [u] = await rt.db.select({ name: users.name }).from(users).where(eq(users.id, stored.updatedBy));
		updatedByName = u?.name ?? null;
	}
	const required = [...plain.filter((f) => f !== 'model'), ...secret];
	return {
		key,
		label: INTEGRATION_LABELS[key],
		configured: required.every((f) => Boolean(merged[f])),
		values,
		secrets,
		sources: from,
		secretsUnreadable: stored.unreadable,
		updatedAt: stored.updatedAt,
		updatedBy: stored.updatedBy,
		updatedByName
	};
}

export type IntegrationView = Awaited<ReturnType<typeof integrationView>>;

/** Every integration, masked (admins). */
export async function listIntegrations(rt: Runtime, actor: Actor): Promise<IntegrationView[]> {
	assertAdmin(actor, 'read');
	return Promise.all(INTEGRATION_KEYS.map((key) => integrationView(rt, key)));
}

/** One integration, masked (admins). */
export async function getIntegration(rt: Runtime, actor: Actor, key: IntegrationKey): Promise<IntegrationView> {
	assertAdmin(actor, 'read');
	return integrationView(rt, key);
}

/**
 * Changes an integration (admins). Plain fields: a value sets, null clears, absent keeps.
 * Secrets likewise, stored encrypted with SECRET_KEY; the audit row names the fields changed,
 * never their values.
 */
export async function updateIntegration<K extends IntegrationKey>(
	rt: Runtime,
	actor: Actor,
	key: K,
	input: IntegrationInput<K>
): Promise<IntegrationView> {
	assertAdmin(actor, 'manage');
	const { plain, secret } = INTEGRATION_FIELDS[key];
	const given = input as Record<string, string | null | undefined>;
	await rt.db.transaction(async (tx) => {
		const current = await readIntegration(rt, key, tx);
		if (current.unreadable && secret.some((f) => given[f] === undefined)) {
			// Keeping secrets we cannot read would silently drop them: ask for all of them again.
			throw new Conflict(
				`The stored secrets of this integration cannot be decrypted (was SECRET_KEY changed?): enter ${secret.join(', ')} again`,
				'SECRETS_UNREADABLE'
			);
		}
		const values = { ...current.values };
		const secrets = current.unreadable ? {} : { ...current.secrets };
		const changed: string[] = [];
		for (const field of plain) {
			if (given[field] === undefined) continue;
			const next = given[field];
			if ((values[field] ?? null) !== next) changed.push(field);
			if (next === null) delete values[field];
			else values[field] = next;
		}
		for (const field of secret) {
			if (given[field] === undefined) continue;
			const next = given[field];
			if ((secrets[field] ?? null) !== next) changed.push(field);
			if (next === null) delete secrets[field];
			else secrets[field] = next;
		}
		const secretText = Object.keys(secrets).length ? encryptSecret(rt.secretKey, secrets, key) : null;
		await tx
			.insert(integrationSettings)
			.values({ key, value: values, secret: secretText, updatedBy: actor.userId })
			.onConflictDoUpdate({
				target: integrationSettings.key,
				set: { value: values, secret: secretText, updatedBy: actor.userId, updatedAt: new Date() }
			});
		await recordAudit(tx, actor, {
			action: 'settings.integration_updated',
			entityType: 'integration',
			entityId: key,
			metadata: {
				changed_fields: changed,
				secret_fields_set: secret.filter((f) => typeof given[f] === 'string'),
				secret_fields_cleared: secret.filter((f) => given[f] === null)
			}
		});
	});
	rt.logger.info({ integration: key, by: actor.userId }, 'integration settings changed');
	return integrationView(rt, key);
}
