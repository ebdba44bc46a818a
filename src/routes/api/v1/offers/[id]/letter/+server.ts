import { readStoredFile } from '$lib/server/files/storage';
import { fileResponse } from '$lib/server/http/download';
import { endpoint, requireUser } from '$lib/server/http/endpoint';
import { idParam } from '$lib/server/http/params';
import { NotFound } from '$lib/server/errors';
import { getOffer } from '$lib/server/offers/service';

/** The offer letter PDF (once extended and rendered). */
export const GET = endpoint(async (event, { rt, actor }) => {
	requireUser(event);
	const offer = await getOffer(rt, actor, idParam(event.params.id, 'Offer'));
	if (!offer.letterFileHash) throw new NotFound('Offer letter');
	return fileResponse(
		await readStoredFile(rt.config.DATA_DIR, offer.letterFileHash),
		'offer-letter.pdf',
		'application/pdf',
		true
	);
});
