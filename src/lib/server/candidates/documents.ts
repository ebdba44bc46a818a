import { and, desc, eq, isNull } from 'drizzle-orm';
import type { DocumentKind } from '../../domain/candidates';
import { can } from '../../permissions';
import { subjectOf, type Actor } from '../actor';
import { recordActivity } from '../activity/service';
import { recordAudit } from '../audit/audit';
import type { Transaction } from '../db/client';
import type { AfterCommit } from '../db/transaction';
import { inTransaction } from '../db/transaction';
import { candidateDocuments, candidates, type CandidateDocument } from '../db/schema';
import { Forbidden, NotFound, ValidationFailed } from '../errors';
import { detectDocumentType, MAX_UPLOAD_BYTES, MIME_TYPES, readStoredFile, storeFile } from '../files/storage';
import { PayloadTooLarge } from '../errors';
import type { Runtime } from '../runtime';
import { extractDocumentTextJob } from '$worker/jobs/extract-document-text';
import { assertCandidateInScope, assertCanReadCandidate } from './relations';

export interface Upload {
	bytes: Uint8Array;
	fileName: string;
	declaredType?: string;
}

/** Reads the `file` part of a multipart request into an upload (415/413/422 on bad input). */
export async function uploadFromForm(form: FormData, field = 'file'): Promise<Upload> {
	const file = form.get(field);
	if (!(file instanceof File) || file.size === 0)
		throw new ValidationFailed([{ field, message: 'Attach a PDF or Word (.docx) file' }]);
	if (file.size > MAX_UPLOAD_BYTES) throw new PayloadTooLarge(MAX_UPLOAD_BYTES);
	return { bytes: new Uint8Array(await file.arrayBuffer()), fileName: file.name, declaredType: file.type || undefined };
}

/**
 * Attaches a document to a candidate in an open transaction: content-checked (PDF or DOCX),
 * stored by hash, its text extracted by a job (queued in the same transaction).
 */
export async function insertDocument(
	tx: Transaction,
	rt: Runtime,
	afterCommit: AfterCommit,
	actor: Actor,
	candidateId: string,
	kind: DocumentKind,
	upload: Upload
): Promise<CandidateDocument> {
	const type = detectDocumentType(upload.bytes, upload.fileName, upload.declaredType);
	const stored = await storeFile(rt.config.DATA_DIR, upload.bytes);
	return insertStoredDocument(tx, rt, afterCommit, actor, candidateId, kind, {
		hash: stored.hash,
		fileName: upload.fileName,
		mimeType: MIME_TYPES[type],
		size: stored.size
	});
}

/** Attaches an already stored (and checked) file to a candidate; its text is extracted by a job. */
export async function insertStoredDocument(
	tx: Transaction,
	rt: Runtime,
	afterCommit: AfterCommit,
	actor: Actor,
	candidateId: string,
	kind: DocumentKind,
	file: { hash: string; fileName: string; mimeType: string; size: number }
): Promise<CandidateDocument> {
	const [doc] = await tx
		.insert(candidateDocuments)
		.values({
			candidateId,
			kind,
			fileHash: file.hash,
			fileName: file.fileName.replace(/[\\/\r\n"]/g, '_').slice(0, 200),
			mimeType: file.mimeType,
			size: file.size,
			uploadedBy: actor.userId
		})
		.returning();
	await rt.jobs.enqueue(
		extractDocumentTextJob,
		{ documentId: doc.id },
		{ tx, afterCommit, createdBy: actor.userId, dedupeKey: `extract:${doc.id}` }
	);
	await recordAudit(tx, actor, {
		action: 'candidate.document_uploaded',
		entityType: 'candidate',
		entityId: candidateId,
		metadata: { document_id: doc.id, kind, file_name: doc.fileName, size: doc.size, file_hash: doc.fileHash }
	});
	await recordActivity(tx, rt, afterCommit, actor, {
		type: 'document.uploaded',
		candidateId,
		data: { kind, file_name: doc.fileName, document_id: doc.id }
	});
	return doc;
}

/** `POST /candidates/:id/resume` and `/documents`: upload one document. */
export async function uploadDocument(
	rt: Runtime,
	actor: Actor,
	candidateId: string,
	kind: DocumentKind,
	upload: Upload
) {
	if (!can(subjectOf(actor), 'update', 'candidate')) throw new Forbidden();
	await assertCandidateInScope(rt.db, actor, candidateId);
	return inTransaction(rt.db, async (tx, afterCommit) => {
		const [c] = await tx
			.select({ id: candidates.id })
			.from(candidates)
			.where(and(eq(candidates.id, candidateId), isNull(candidates.deletedAt), isNull(candidates.mergedIntoId)));
		if (!c) throw new NotFound('Candidate');
		return insertDocument(tx, rt, afterCommit, actor, candidateId, kind, upload);
	});
}

/** A stored document's bytes and headers, for users who may read the candidate. */
export async function downloadDocument(
	rt: Runtime,
	actor: Actor,
	candidateId: string,
	documentId: string | 'latest-cv'
) {
	await assertCanReadCandidate(rt.db, actor, candidateId);
	const conditions = [eq(candidateDocuments.candidateId, candidateId), isNull(candidateDocuments.deletedAt)];
	if (documentId === 'latest-cv') conditions.push(eq(candidateDocuments.kind, 'cv'));
	else conditions.push(eq(candidateDocuments.id, documentId));
	const [doc] = await rt.db
		.select()
		.from(candidateDocuments)
		.where(and(...conditions))
		.orderBy(desc(candidateDocuments.createdAt))
		.limit(1);
	if (!doc) throw new NotFound(documentId === 'latest-cv' ? 'CV' : 'Document');
	const bytes = await readStoredFile(rt.config.DATA_DIR, doc.fileHash);
	return { doc, bytes };
}

/** Documents of a candidate (metadata; the text comes with `?text=1`). */
export async function listDocuments(rt: Runtime, actor: Actor, candidateId: string) {
	await assertCanReadCandidate(rt.db, actor, candidateId);
	return rt.db
		.select()
		.from(candidateDocuments)
		.where(and(eq(candidateDocuments.candidateId, candidateId), isNull(candidateDocuments.deletedAt)))
		.orderBy(desc(candidateDocuments.createdAt));
}
