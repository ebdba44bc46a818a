import { eq } from 'drizzle-orm';
import { z } from 'zod';
import { importRows, parseCsv } from '$lib/server/candidates/transfer';
import { users } from '$lib/server/db/schema';
import { readStoredFile } from '$lib/server/files/storage';
import { defineJob, exponentialBackoff, PermanentJobError } from '$lib/server/jobs/types';

/**
 * Imports a CSV of candidates with progress. Re-running after a crash creates nothing twice:
 * rows already imported come back as duplicates.
 */
export const importCandidatesJob = defineJob({
	kind: 'candidates.import',
	input: z.object({
		fileHash: z.string().regex(/^[0-9a-f]{64}$/),
		mapping: z.record(z.string(), z.string()).default({}),
		requirementId: z.string().uuid().nullable(),
		userId: z.string().uuid()
	}),
	maxAttempts: 2,
	backoffMs: exponentialBackoff(10_000),
	async perform(input, { runtime: rt, progress }) {
		const [user] = await rt.db.select().from(users).where(eq(users.id, input.userId));
		if (!user || !user.isActive) throw new PermanentJobError('The user who started the import no longer exists');
		const parsed = parseCsv(await readStoredFile(rt.config.DATA_DIR, input.fileHash));
		await progress(1, `0 of ${parsed.rows.length} rows`);
		return importRows(rt, { userId: user.id, role: user.role, name: user.name }, parsed, {
			mapping: input.mapping,
			requirementId: input.requirementId,
			onProgress: (done, total) => progress(Math.max(1, Math.floor((done / total) * 100)), `${done} of ${total} rows`)
		});
	}
});
