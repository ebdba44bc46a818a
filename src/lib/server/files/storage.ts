import { createHash, randomBytes } from 'node:crypto';
import { mkdir, rename, stat, writeFile, readFile } from 'node:fs/promises';
import path from 'node:path';
import { UnsupportedMediaType, PayloadTooLarge } from '../errors';

export const MAX_UPLOAD_BYTES = 10 * 1024 * 1024;

export type DocumentType = 'pdf' | 'docx';

export const MIME_TYPES: Record<DocumentType, string> = {
	pdf: 'application/pdf',
	docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document'
};

/**
 * What the bytes really are: a PDF starts with `%PDF-`; a DOCX is a ZIP holding
 * `word/document.xml`. Anything else — or a file whose content contradicts its name or declared
 * type — is refused with 415 and a clear message.
 */
export function detectDocumentType(bytes: Uint8Array, fileName: string, declaredType?: string): DocumentType {
	const ext = path.extname(fileName).toLowerCase();
	const head = Buffer.from(bytes.subarray(0, 8)).toString('latin1');
	let actual: DocumentType | null = null;
	if (head.startsWith('%PDF-')) actual = 'pdf';
	else if (head.startsWith('PK\u0003\u0004') && Buffer.from(bytes).includes('word/document.xml')) actual = 'docx';
	const claimed: DocumentType | null = ext === '.pdf' ? 'pdf' : ext === '.docx' ? 'docx' : null;
	if (!claimed) throw new UnsupportedMediaType('Upload a PDF or a Word (.docx) file');
	if (actual !== claimed) {
		throw new UnsupportedMediaType(`This file is named ${ext} but its content is not a ${claimed.toUpperCase()} file`);
	}
	if (declaredType && declaredType !== 'application/octet-stream' && declaredType !== MIME_TYPES[actual]) {
		throw new UnsupportedMediaType(`The file was sent as ${declaredType} but it is a ${actual.toUpperCase()} file`);
	}
	return actual;
}

export interface StoredFile {
	hash: string;
	size: number;
	path: string;
}

/** Stores bytes under DATA_DIR/files by their SHA-256 (the same file is stored once). */
export async function storeFile(dataDir: string, bytes: Uint8Array): Promise<StoredFile> {
	if (bytes.byteLength > MAX_UPLOAD_BYTES) throw new PayloadTooLarge(MAX_UPLOAD_BYTES);
	const hash = createHash('sha256').update(bytes).digest('hex');
	const dir = path.join(dataDir, 'files', hash.slice(0, 2));
	const file = path.join(dir, hash);
	try {
		await stat(file);
		return { hash, size: bytes.byteLength, path: file };
	} catch {
		// not stored yet
	}
	await mkdir(dir, { recursive: true });
	// Write then rename: a crash never leaves a half file under the final name.
	const temp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
	await writeFile(temp, bytes);
	await rename(temp, file);
	return { hash, size: bytes.byteLength, path: file };
}

/** The path of a stored file by hash (the hash is validated: no path tricks). */
export function storedFilePath(dataDir: string, hash: string): string {
	if (!/^[0-9a-f]{64}$/.test(hash)) throw new Error('Invalid file hash');
	return path.join(dataDir, 'files', hash.slice(0, 2), hash);
}

export async function readStoredFile(dataDir: string, hash: string): Promise<Buffer> {
	return readFile(storedFilePath(dataDir, hash));
}
