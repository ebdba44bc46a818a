import { z } from 'zod';
import { startImport } from '$lib/server/candidates/transfer';
import { ValidationFailed } from '$lib/server/errors';
import { ok } from '$lib/server/http/envelope';
import { endpoint, requireUser } from '$lib/server/http/endpoint';
import { readMultipart, validate } from '$lib/server/http/input';
import { publicJob } from '$lib/server/jobs/execute';

const options = z.object({
	mapping: z.record(z.string(), z.string()).optional(),
	requirement_id: z.string().uuid().nullable().optional()
});

/**
 * Starts a CSV import (multipart: `file`, optional `mapping` as JSON {csv header: field},
 * optional `requirement_id`): 202 with the job; progress on GET /jobs/:id and the event stream.
 */
export const POST = endpoint(async (event, { rt, actor }) => {
	requireUser(event);
	const form = await readMultipart(event);
	const file = form.get('file');
	if (!(file instanceof File) || file.size === 0)
		throw new ValidationFailed([{ field: 'file', message: 'Attach a CSV file' }]);
	let mapping: unknown = undefined;
	const rawMapping = form.get('mapping');
	if (typeof rawMapping === 'string' && rawMapping.trim()) {
		try {
			mapping = JSON.parse(rawMapping);
		} catch {
			throw new ValidationFailed([{ field: 'mapping', message: 'mapping must be JSON: {"CSV header": "field"}' }]);
		}
	}
	const requirementId = form.get('requirement_id');
	const input = validate(options, {
		mapping,
		requirement_id: typeof requirementId === 'string' && requirementId ? requirementId : null
	});
	const job = await startImport(
		rt,
		actor,
		{ bytes: new Uint8Array(await file.arrayBuffer()), name: file.name },
		{ mapping: input.mapping, requirementId: input.requirement_id }
	);
	return ok({ job_id: job.id, job: publicJob(job) }, { status: 202, message: 'Import started' });
});
