import { and, desc, eq, isNull } from 'drizzle-orm';
import { z } from 'zod';
import { candidateDocuments, candidates } from '$lib/server/db/schema';
import { readStoredFile } from '$lib/server/files/storage';
import { defineJob, exponentialBackoff, PermanentJobError } from '$lib/server/jobs/types';

/** Longest text kept per document (a CV is a few KB; this bounds pathological files). */
const MAX_TEXT = 200_000;

/** Text of a PDF (unpdf) or a DOCX (mammoth). */
export async function extractText(bytes: Uint8Array, mimeType: string): Promise<string> {
	if (mimeType === 'application/pdf') {
		const { extractText: pdfText, getDocumentProxy } = await import('unpdf');
		const pdf = await getDocumentProxy(new Uint8Array(bytes));
		const { text } = await pdfText(pdf, { mergePages: true });
		return text;
	}
	const mammoth = await import('mammoth');
	const result = await mammoth.default.extractRawText({ buffer: Buffer.from(bytes) });
	return result.value;
}

/**
 * Extracts a document's text; for the candidate's latest CV it also becomes the candidate's
 * `cv_text`, which the full-text search indexes. Idempotent: running twice writes the same.
 */
export const extractDocumentTextJob = defineJob({
	kind: 'documents.extract_text',
	input: z.object({ documentId: z.string().uuid() }),
	maxAttempts: 3,
	backoffMs: exponentialBackoff(5_000),
	async perform({ documentId }, { runtime: rt, progress }) {
		const [doc] = await rt.db.select().from(candidateDocuments).where(eq(candidateDocuments.id, documentId));
		if (!doc) throw new PermanentJobError('The document no longer exists');
		let text: string;
		try {
			text = (await extractText(await readStoredFile(rt.config.DATA_DIR, doc.fileHash), doc.mimeType))
				.replaceAll('\u0000', '')
				.replace(/[ \t]+\n/g, '\n')
				.slice(0, MAX_TEXT);
		} catch (err) {
			await rt.db.update(candidateDocuments).set({ extraction: 'failed' }).where(eq(candidateDocuments.id, documentId));
			throw new PermanentJobError(`Could not read the file: ${err instanceof Error ? err.message : String(err)}`);
		}
		await progress(80, 'text extracted');
		await rt.db.transaction(async (tx) => {
			await tx
				.update(candidateDocuments)
				.set({ text, extraction: 'done' })
				.where(eq(candidateDocuments.id, documentId));
			if (doc.kind !== 'cv') return;
			const [latest] = await tx
				.select({ id: candidateDocuments.id })
				.from(candidateDocuments)
				.where(
					and(
						eq(candidateDocuments.candidateId, doc.candidateId),
						eq(candidateDocuments.kind, 'cv'),
						isNull(candidateDocuments.deletedAt)
					)
				)
				.orderBy(desc(candidateDocuments.createdAt))
				.limit(1);
			if (latest?.id === documentId) {
				await tx.update(candidates).set({ cvText: text }).where(eq(candidates.id, doc.candidateId));
			}
		});
		return { characters: text.length };
	}
});
