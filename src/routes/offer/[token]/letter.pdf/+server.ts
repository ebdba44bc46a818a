import type { RequestHandler } from './$types';
import { error } from '@sveltejs/kit';
import { readStoredFile } from '$lib/server/files/storage';
import { fileResponse } from '$lib/server/http/download';
import { getRuntime } from '$lib/server/registry';
import { offerForLink } from '$lib/server/offers/service';

/** The offer letter for the candidate, through their signed link. */
export const GET: RequestHandler = async ({ params }) => {
	const rt = getRuntime();
	const found = await offerForLink(rt, params.token ?? '');
	if (!found.ok || !found.offer.letterFileHash) error(404, 'Not found');
	return fileResponse(
		await readStoredFile(rt.config.DATA_DIR, found.offer.letterFileHash),
		'offer-letter.pdf',
		'application/pdf',
		true
	);
};
