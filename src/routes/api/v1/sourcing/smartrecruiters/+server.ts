import { z } from 'zod';
import { smartRecruitersImportInput } from '$lib/schemas/sourcing';
import { ok } from '$lib/server/http/envelope';
import { endpoint, requireUser } from '$lib/server/http/endpoint';
import { readJson, readQuery } from '$lib/server/http/input';
import { listSmartRecruitersImports, startSmartRecruitersImport } from '$lib/server/sourcing/imports';

/** Starts importing a SmartRecruiters job's candidates: 202 with the run (its job does the work). */
export const POST = endpoint(async (event, { rt, actor }) => {
	requireUser(event);
	const run = await startSmartRecruitersImport(rt, actor, await readJson(event, smartRecruitersImportInput));
	return ok(run, { status: 202, message: 'SmartRecruiters import started' });
});

const listQuery = z.object({ requirement_id: z.string().uuid('The requirement must be an id').optional() });

/** Import runs, newest first (`?requirement_id=` for one requirement's). */
export const GET = endpoint(async (event, { rt, actor }) => {
	requireUser(event);
	const { requirement_id } = readQuery(event.url, listQuery);
	return ok({ items: await listSmartRecruitersImports(rt, actor, requirement_id ?? null) });
});
