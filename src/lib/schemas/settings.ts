import { z } from 'zod';

/** The integrations an admin configures, and which of their fields are secret. */
export const INTEGRATION_KEYS = ['gemini', 'google_cse', 'smartrecruiters', 'smtp'] as const;
export type IntegrationKey = (typeof INTEGRATION_KEYS)[number];

export const INTEGRATION_LABELS: Record<IntegrationKey, string> = {
	gemini: 'Google Gemini (AI)',
	google_cse: 'Google Custom Search (LinkedIn X-ray)',
	smartrecruiters: 'SmartRecruiters import',
	smtp: 'Outgoing e-mail (SMTP)'
};

/** Fields per integration: `secret` ones are stored encrypted and never shown again. */
export const INTEGRATION_FIELDS: Record<IntegrationKey, { plain: readonly string[]; secret: readonly string[] }> = {
	gemini: { plain: ['model'], secret: ['api_key'] },
	google_cse: { plain: ['cx'], secret: ['key'] },
	smartrecruiters: { plain: ['base_url', 'username'], secret: ['password'] },
	smtp: { plain: [], secret: ['url'] }
};

export const integrationKeyParam = z.enum(INTEGRATION_KEYS, {
	error: `The integration is one of ${INTEGRATION_KEYS.join(', ')}`
});

/** A secret in a PUT: a new value sets it, null clears it, leaving it out keeps the stored one. */
const secretField = (label: string, max = 500) =>
	z.string().trim().min(1, `${label} cannot be empty (send null to remove it)`).max(max).nullable().optional();

const httpUrl = (label: string) =>
	z
		.string()
		.trim()
		.max(500)
		.refine((v) => {
			try {
				return ['http:', 'https:'].includes(new URL(v).protocol);
			} catch {
				return false;
			}
		}, `${label} must start with http:// or https://`);

export const integrationInputs = {
	gemini: z
		.object({
			api_key: secretField('The API key'),
			model: z
				.string()
				.trim()
				.regex(/^[A-Za-z0-9._-]{1,80}$/, 'A model name such as gemini-2.5-flash')
				.nullable()
				.optional()
		})
		.strict(),
	google_cse: z
		.object({
			key: secretField('The API key'),
			cx: z
				.string()
				.trim()
				.regex(/^[A-Za-z0-9:_-]{1,100}$/, 'The search engine id (cx) as Google shows it')
				.nullable()
				.optional()
		})
		.strict(),
	smartrecruiters: z
		.object({
			base_url: httpUrl('The SmartRecruiters address').nullable().optional(),
			username: z.string().trim().min(1).max(200).nullable().optional(),
			password: secretField('The password')
		})
		.strict(),
	smtp: z
		.object({
			url: secretField('The SMTP URL', 1000).refine(
				(v) => v === null || v === undefined || /^smtps?:\/\/[^\s]+$/.test(v),
				'The SMTP URL starts with smtp:// or smtps://'
			)
		})
		.strict()
} satisfies Record<IntegrationKey, z.ZodType>;

export type IntegrationInput<K extends IntegrationKey> = z.infer<(typeof integrationInputs)[K]>;
