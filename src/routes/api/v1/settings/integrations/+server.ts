import { ok } from '$lib/server/http/envelope';
import { endpoint, requireUser } from '$lib/server/http/endpoint';
import { listIntegrations } from '$lib/server/settings/service';

/** Every integration (Gemini, Custom Search, SmartRecruiters, SMTP), secrets masked (admins). */
export const GET = endpoint(async (event, { rt, actor }) => {
	requireUser(event);
	return ok({ items: await listIntegrations(rt, actor) });
});
