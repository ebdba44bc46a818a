import { salaryBenchmarkInput } from '$lib/schemas/ai';
import { salaryBenchmark } from '$lib/server/ai/salary';
import { ok } from '$lib/server/http/envelope';
import { endpoint, requireUser } from '$lib/server/http/endpoint';
import { readJson } from '$lib/server/http/input';

/**
 * Salary benchmark for a title (level, location, currency) or a requirement: percentiles
 * 25/50/75, sources, confidence and where it came from (`source`); reused for 90 days per key.
 */
export const POST = endpoint(async (event, { rt, actor }) => {
	requireUser(event);
	return ok(await salaryBenchmark(rt, actor, await readJson(event, salaryBenchmarkInput)));
});
