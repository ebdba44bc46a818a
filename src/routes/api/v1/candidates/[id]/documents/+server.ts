import { DOCUMENT_KINDS } from '$lib/domain/candidates';
import { listDocuments, uploadDocument, uploadFromForm } from '$lib/server/candidates/documents';
import { ValidationFailed } from '$lib/server/errors';
import { created, ok } from '$lib/server/http/envelope';
import { endpoint, requireUser } from '$lib/server/http/endpoint';
import { readMultipart } from '$lib/server/http/input';
import { idParam } from '$lib/server/http/params';

export const GET = endpoint(async (event, { rt, actor }) => {
	requireUser(event);
	const items = (await listDocuments(rt, actor, idParam(event.params.id, 'Candidate'))).map(({ text, ...d }) => ({
		...d,
		hasText: !!text
	}));
	return ok({ items, pagination: { page: 1, page_size: items.length, total_items: items.length, total_pages: 1 } });
});

/** Attaches a document: multipart fields `file` and `kind` (cv, cover_letter, portfolio, reference, other). */
export const POST = endpoint(async (event, { rt, actor }) => {
	requireUser(event);
	const id = idParam(event.params.id, 'Candidate');
	const form = await readMultipart(event);
	const kind = String(form.get('kind') ?? 'other');
	if (!(DOCUMENT_KINDS as readonly string[]).includes(kind)) {
		throw new ValidationFailed([{ field: 'kind', message: `Kind is one of ${DOCUMENT_KINDS.join(', ')}` }]);
	}
	const upload = await uploadFromForm(form);
	return created(
		await uploadDocument(rt, actor, id, kind as (typeof DOCUMENT_KINDS)[number], upload),
		'Document uploaded'
	);
});
