import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS } from '../helpers/env';
import { DOCX_MIME, minimalDocx, minimalPdf } from '../helpers/fixtures';
import {
	createCandidate,
	createOrg,
	getRaw,
	openRequirement,
	postForm,
	startApp,
	type Org,
	type RunningApp
} from '../helpers/hiring';

/**
 * CVs and documents on the built app (issue 4): size and type checks on upload (content, not
 * only the name), downloads with the right headers for those who may read candidates only, and
 * careers-page applications becoming candidates in the `applied` stage without doubling people.
 */
describe.each(BACKENDS)('candidate documents and careers applications on %s', (backend) => {
	let running: RunningApp;
	let org: Org;

	beforeAll(async () => {
		running = await startApp(backend);
		org = await createOrg(running);
	});

	afterAll(async () => {
		await running?.close();
	});

	const upload = (candidateId: string, file: { bytes: Uint8Array; name: string; type: string }, path = 'resume') =>
		postForm(running.url, org.recruiter.token, `/candidates/${candidateId}/${path}`, file);

	it('refuses files over 10 MB (413), of another type (415) or whose bytes are not what their name says (415)', async () => {
		const c = await createCandidate(org.recruiter, { name: 'Uma Upload' });

		const big = new Uint8Array(10 * 1024 * 1024 + 1024);
		big.set(minimalPdf('big'));
		const tooLarge = await upload(c.id, { bytes: big, name: 'big.pdf', type: 'application/pdf' });
		expect(tooLarge.status).toBe(413);
		expect(tooLarge.body.error.code).toBe('PAYLOAD_TOO_LARGE');

		for (const [name, type] of [
			['notes.txt', 'text/plain'],
			['setup.exe', 'application/x-msdownload'],
			['cv', 'application/octet-stream']
		]) {
			const res = await upload(c.id, { bytes: new TextEncoder().encode('MZ\u0090 hello'), name, type });
			expect(res.status, name).toBe(415);
			expect(res.body.error.message, name).toBe('Upload a PDF or a Word (.docx) file');
		}
		const fakePdf = await upload(c.id, {
			bytes: new TextEncoder().encode('<html>not a pdf</html>'),
			name: 'cv.pdf',
			type: 'application/pdf'
		});
		expect(fakePdf.status).toBe(415);
		expect(fakePdf.body.error.message).toBe('This file is named .pdf but its content is not a PDF file');
		// A PDF renamed to .docx is refused too: the content decides, not the name.
		const renamed = await upload(c.id, { bytes: minimalPdf('renamed'), name: 'cv.docx', type: DOCX_MIME });
		expect(renamed.status).toBe(415);
		// No file at all: 422 on the field.
		const none = await postForm(running.url, org.recruiter.token, `/candidates/${c.id}/resume`, null, { x: '1' });
		expect(none.status).toBe(422);
		expect(none.body.error.details[0].field).toBe('file');
		// A bad kind of document.
		const badKind = await postForm(
			running.url,
			org.recruiter.token,
			`/candidates/${c.id}/documents`,
			{ bytes: minimalPdf('x'), name: 'x.pdf', type: 'application/pdf' },
			{ kind: 'selfie' }
		);
		expect(badKind.status).toBe(422);

		// Nothing was attached by the refusals.
		const docs = await org.recruiter.api.get(`/candidates/${c.id}/documents`);
		expect(docs.body.data.items).toEqual([]);
		// Viewers read but do not upload.
		const viewer = await postForm(running.url, org.viewer.token, `/candidates/${c.id}/resume`, {
			bytes: minimalPdf('viewer'),
			name: 'v.pdf',
			type: 'application/pdf'
		});
		expect(viewer.status).toBe(403);
	});

	it('downloads with the right type, disposition and nosniff, for users who may read candidates only', async () => {
		const c = await createCandidate(org.recruiter, { name: 'Dana Download' });
		const pdf = minimalPdf('Dana Download CV');
		const cv = await upload(c.id, { bytes: pdf, name: 'Dana Résumé.pdf', type: 'application/pdf' });
		expect(cv.status).toBe(201);
		const docx = minimalDocx('Cover letter');
		const letter = await postForm(
			running.url,
			org.recruiter.token,
			`/candidates/${c.id}/documents`,
			{ bytes: docx, name: 'letter.docx', type: DOCX_MIME },
			{ kind: 'cover_letter' }
		);
		expect(letter.status, JSON.stringify(letter.body)).toBe(201);
		expect(letter.body.data).toMatchObject({ kind: 'cover_letter', mime_type: DOCX_MIME, size: docx.byteLength });

		const latest = await getRaw(running.url, org.recruiter.token, `/candidates/${c.id}/resume`);
		expect(latest.status).toBe(200);
		expect(latest.headers.get('content-type')).toBe('application/pdf');
		expect(latest.headers.get('content-disposition')).toBe(
			`attachment; filename="Dana R_sum_.pdf"; filename*=UTF-8''${encodeURIComponent('Dana Résumé.pdf')}`
		);
		expect(latest.headers.get('x-content-type-options')).toBe('nosniff');
		expect(latest.headers.get('cache-control')).toBe('private, no-store');
		expect(Buffer.compare(Buffer.from(latest.bytes), Buffer.from(pdf))).toBe(0);
		const inline = await getRaw(running.url, org.recruiter.token, `/candidates/${c.id}/resume?inline=1`);
		expect(inline.headers.get('content-disposition')).toMatch(/^inline; /);
		expect(inline.headers.get('content-security-policy')).toContain('sandbox');

		const word = await getRaw(running.url, org.recruiter.token, `/candidates/${c.id}/documents/${letter.body.data.id}`);
		expect(word.status).toBe(200);
		expect(word.headers.get('content-type')).toBe(DOCX_MIME);
		expect(word.headers.get('content-disposition')).toMatch(/^attachment; filename="letter\.docx"/);
		expect(Buffer.compare(Buffer.from(word.bytes), Buffer.from(docx))).toBe(0);

		// A viewer may read candidates; an interviewer on no panel may not; nobody signed in, 401.
		expect((await getRaw(running.url, org.viewer.token, `/candidates/${c.id}/resume`)).status).toBe(200);
		const interviewer = await getRaw(running.url, org.interviewer.token, `/candidates/${c.id}/resume`);
		expect(interviewer.status).toBe(403);
		expect(
			(await getRaw(running.url, org.interviewer.token, `/candidates/${c.id}/documents/${letter.body.data.id}`)).status
		).toBe(403);
		expect((await fetch(`${running.url}/api/v1/candidates/${c.id}/resume`)).status).toBe(401);
		// A document is reached through its own candidate only.
		const other = await createCandidate(org.recruiter, { name: 'Olga Other' });
		expect(
			(await getRaw(running.url, org.recruiter.token, `/candidates/${other.id}/documents/${letter.body.data.id}`))
				.status
		).toBe(404);
		expect((await getRaw(running.url, org.recruiter.token, `/candidates/${other.id}/resume`)).status).toBe(404);
	});

	it('turns a careers-page application into a candidate in `applied` with the CV, and does not double a known person', async () => {
		const requirement = await openRequirement(org, 'Careers Engineer', {
			location_city: 'Leipzig',
			location_country: 'DE'
		});
		const published = await org.recruiter.api.post(`/requirements/${requirement.id}/publish`, {
			published: true,
			valid_through: new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10)
		});
		expect(published.status, JSON.stringify(published.body)).toBe(200);

		async function apply(email: string, cv: Uint8Array, fileName: string, type: string) {
			const form = new FormData();
			form.append('name', 'Carla Careers');
			form.append('email', email);
			form.append('phone', '+49 40 7654321');
			form.append('consent', 'yes');
			form.append('cv', new Blob([new Uint8Array(cv)], { type }), fileName);
			const res = await fetch(`${running.url}/careers/${requirement.id}`, {
				method: 'POST',
				headers: { accept: 'text/html', origin: running.url },
				body: form
			});
			expect(res.status, (await res.text()).slice(0, 300)).toBe(200);
		}

		await apply('carla.careers@example.org', minimalPdf('Carla CV with hovercraft'), 'carla.pdf', 'application/pdf');
		const found = await org.recruiter.api.get('/candidates?q=carla.careers%40example.org');
		expect(found.body.data.items).toHaveLength(1);
		const candidate = found.body.data.items[0];
		expect(candidate).toMatchObject({
			name: 'Carla Careers',
			emails: ['carla.careers@example.org'],
			phone: '+49 40 7654321',
			source: 'careers_page'
		});
		expect(candidate.consent_given_at).toBeTruthy();
		const apps = await org.recruiter.api.get(`/requirements/${requirement.id}/applications`);
		expect(apps.body.data.items).toHaveLength(1);
		expect(apps.body.data.items[0]).toMatchObject({ candidate_id: candidate.id, stage: 'applied' });
		const history = await org.recruiter.api.get(`/applications/${apps.body.data.items[0].id}`);
		expect(history.body.data.history).toHaveLength(1);
		expect(history.body.data.history[0]).toMatchObject({ from_stage: null, to_stage: 'applied', via: 'careers' });
		const docs = await org.recruiter.api.get(`/candidates/${candidate.id}/documents`);
		expect(docs.body.data.items).toHaveLength(1);
		expect(docs.body.data.items[0]).toMatchObject({ kind: 'cv', file_name: 'carla.pdf', mime_type: 'application/pdf' });
		// The CV's text is searchable once the extraction job ran.
		const deadline = Date.now() + 30_000;
		while ((await org.recruiter.api.get('/candidates?q=hovercraft')).body.data.items.length === 0) {
			if (Date.now() > deadline) throw new Error('the careers CV never became searchable');
			await new Promise((resolve) => setTimeout(resolve, 100));
		}

		// The same person applies again (e-mail in another case, a Word CV): no second candidate,
		// no second application; the new CV is attached.
		await apply('Carla.Careers@Example.org', minimalDocx('Carla updated CV'), 'carla.docx', DOCX_MIME);
		const again = await org.recruiter.api.get('/candidates?q=carla');
		expect(again.body.data.items.map((c: { id: string }) => c.id)).toEqual([candidate.id]);
		expect(again.body.data.items[0].emails).toEqual(['carla.careers@example.org']);
		expect((await org.recruiter.api.get(`/requirements/${requirement.id}/applications`)).body.data.items).toHaveLength(
			1
		);
		const docsAfter = await org.recruiter.api.get(`/candidates/${candidate.id}/documents`);
		expect(docsAfter.body.data.items.map((d: { file_name: string }) => d.file_name).sort()).toEqual([
			'carla.docx',
			'carla.pdf'
		]);
		// The careers application is in the activity feed of the requirement.
		const feed = await org.recruiter.api.get(`/activity?requirement_id=${requirement.id}`);
		expect(
			feed.body.data.items.some(
				(e: { type: string; candidate_id: string }) => e.type === 'candidate.added' && e.candidate_id === candidate.id
			)
		).toBe(true);
	});
});
