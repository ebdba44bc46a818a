/** An integration as GET /settings/integrations answers it (secrets masked). */
export interface IntegrationView {
	key: 'gemini' | 'google_cse' | 'smartrecruiters' | 'smtp';
	label: string;
	configured: boolean;
	values: Record<string, string | null>;
	secrets: Record<
		string,
		{ set: boolean; source: 'settings' | 'environment' | null; masked: string | null; fingerprint: string | null }
	>;
	sources: Record<string, 'settings' | 'environment' | null>;
	secrets_unreadable: boolean;
	updated_at: string | null;
	updated_by_name: string | null;
}

/** What POST /settings/integrations/:key/test answers. */
export interface ConnectionTest {
	integration: string;
	ok: boolean;
	message: string;
	latency_ms: number | null;
	detail: string | null;
}

/** How each field is labelled and explained on the page. */
export const FIELD_LABELS: Record<string, { label: string; hint?: string; placeholder?: string; type?: string }> = {
	'gemini.api_key': { label: 'API key', hint: 'From Google AI Studio.' },
	'gemini.model': { label: 'Model', placeholder: 'gemini-2.5-flash' },
	'google_cse.key': { label: 'API key', hint: 'A Google Cloud key with the Custom Search JSON API enabled.' },
	'google_cse.cx': { label: 'Search engine id (cx)', placeholder: '0123456789abcdef0:abc' },
	'smartrecruiters.base_url': { label: 'Address', placeholder: 'https://www.smartrecruiters.com', type: 'url' },
	'smartrecruiters.username': { label: 'User (e-mail)', type: 'email' },
	'smartrecruiters.password': { label: 'Password' },
	'smtp.url': { label: 'SMTP URL', hint: 'smtp://user:password@host:587 or smtps://…:465', placeholder: 'smtp://' }
};
