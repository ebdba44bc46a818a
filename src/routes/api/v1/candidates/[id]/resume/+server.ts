import { z } from 'zod';
import { downloadDocument, uploadDocument, uploadFromForm } from '$lib/server/candidates/documents';
import { fileResponse } from '$lib/server/http/download';
import { created } from '$lib/server/http/envelope';
import { endpoint, requireUser } from '$lib/server/http/endpoint';
import { readMultipart, readQuery } from '$lib/server/http/input';
import { idParam } from '$lib/server/http/params';

/** The candidate's latest CV (`?inline=1` to show it in the page). */
export const GET = endpoint(async (event, { rt, actor }) => {
	requireUser(event);
	const id = idParam(event.params.id, 'Candidate');
	const { inline } = readQuery(event.url, z.object({ inline: z.enum(['0', '1']).optional() }));
	const { doc, bytes } = await downloadDocument(rt, actor, id, 'latest-cv');
	return fileResponse(bytes, doc.fileName, doc.mimeType, inline === '1');
});

/** Uploads a CV (multipart field `file`, PDF or DOCX ≤ 10 MB); its text is indexed by a job. */
export const POST = endpoint(async (event, { rt, actor }) => {
	requireUser(event);
	const id = idParam(event.params.id, 'Candidate');
	const upload = await uploadFromForm(await readMultipart(event));
	return created(await uploadDocument(rt, actor, id, 'cv', upload), 'CV uploaded');
});
