import { ok } from '$lib/server/http/envelope';
import { endpoint, requireUser } from '$lib/server/http/endpoint';
import { idParam } from '$lib/server/http/params';
import { resumeSmartRecruitersImport } from '$lib/server/sourcing/imports';

/** Resumes a paused (CAPTCHA, sign-in refused) or failed import where it stopped: 202. */
export const POST = endpoint(async (event, { rt, actor }) => {
	requireUser(event);
	const run = await resumeSmartRecruitersImport(rt, actor, idParam(event.params.id, 'Import run'));
	return ok(run, { status: 202, message: 'Import resumed' });
});
