import { z } from 'zod';
import { downloadDocument } from '$lib/server/candidates/documents';
import { fileResponse } from '$lib/server/http/download';
import { endpoint, requireUser } from '$lib/server/http/endpoint';
import { readQuery } from '$lib/server/http/input';
import { idParam } from '$lib/server/http/params';

/** Downloads one document (`?inline=1` to show a PDF in the page). */
export const GET = endpoint(async (event, { rt, actor }) => {
	requireUser(event);
	const id = idParam(event.params.id, 'Candidate');
	const documentId = idParam(event.params.documentId, 'Document');
	const { inline } = readQuery(event.url, z.object({ inline: z.enum(['0', '1']).optional() }));
	const { doc, bytes } = await downloadDocument(rt, actor, id, documentId);
	return fileResponse(bytes, doc.fileName, doc.mimeType, inline === '1');
});
