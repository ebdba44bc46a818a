import { error, fail } from '@sveltejs/kit';
import { AppError } from '$lib/server/errors';
import { idParam } from '$lib/server/http/params';
import { getRuntime } from '$lib/server/registry';
import { applyToPosting, CONSENT_TEXT, getPosting } from '$lib/server/postings/service';
import { jobPostingJsonLd, jsonLdScript } from '$lib/server/postings/structured-data';
import type { Actions, PageServerLoad } from './$types';

/** One public posting, with its schema.org JobPosting JSON-LD; unpublished → 404. */
export const load: PageServerLoad = async ({ params, url }) => {
	const rt = getRuntime();
	let posting;
	try {
		posting = await getPosting(rt, idParam(params.id, 'Job posting'));
	} catch (err) {
		if (err instanceof AppError && err.status === 404) error(404, 'This position is not open (anymore)');
		throw err;
	}
	const pageUrl = new URL(`/careers/${posting.id}`, rt.config.ORIGIN ?? url.origin).href;
	return {
		orgName: rt.config.ORG_NAME,
		posting: { ...posting, publishedAt: posting.publishedAt.toISOString(), updatedAt: posting.updatedAt.toISOString() },
		jsonLd: jsonLdScript(jobPostingJsonLd(posting, { name: rt.config.ORG_NAME, url: rt.config.ORIGIN }, pageUrl)),
		consentText: CONSENT_TEXT
	};
};

export const actions: Actions = {
	/** The public application form (multipart: name, email, phone, cv, consent). */
	default: async (event) => {
		const rt = getRuntime();
		const id = idParam(event.params.id, 'Job posting');
		const form = await event.request.formData();
		const values = {
			name: String(form.get('name') ?? ''),
			email: String(form.get('email') ?? ''),
			phone: String(form.get('phone') ?? '')
		};
		let ip: string | null = null;
		try {
			ip = event.getClientAddress();
		} catch {
			ip = null;
		}
		try {
			await applyToPosting(rt, id, form, ip);
		} catch (err) {
			if (err instanceof AppError) {
				const errors: Record<string, string> = Object.fromEntries((err.details ?? []).map((d) => [d.field, d.message]));
				if (err.status === 415 || err.status === 413) errors.cv = err.message;
				if (!err.details?.length && !errors.cv) errors._ = err.message;
				return fail(err.status, { values, errors });
			}
			throw err;
		}
		return { applied: true };
	}
};
