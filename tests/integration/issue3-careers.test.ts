import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiClient, freePort, startProcess, type RunningProcess } from '../helpers/app';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { BACKENDS } from '../helpers/env';
import { DOCX_MIME, minimalDocx, minimalPdf, sha256 } from '../helpers/fixtures';
import { createUser, registerAdmin } from '../helpers/org';

type Client = ReturnType<typeof apiClient>;

const ORG_NAME = 'Acme Robotics';

interface Opening {
	id: string;
	reference: string;
	title: string;
}

/**
 * Job postings on the public careers pages of the built app: an open requirement is published
 * to /careers, /careers/:id (with schema.org JobPosting JSON-LD as Google's job rich results
 * require it) and /careers/feed.xml; taking it down in any way removes it from all three; and
 * candidates apply with a checked CV, stored under DATA_DIR/files, rate-limited per address.
 */
describe.each(BACKENDS)('careers pages and applications on %s', (backend) => {
	let app: RunningProcess & { dataDir: string };
	let origin: string;
	let database: TestDatabase | undefined;
	let admin: { api: Client; id: string };
	let hm: { api: Client; id: string };
	let approver: { api: Client; id: string };
	let recruiter: { api: Client; id: string };
	let engineering: string;
	let design: string;
	let robotics: Opening;
	let designer: Opening;
	let embedded: Opening;

	beforeAll(async () => {
		const port = await freePort();
		origin = `http://127.0.0.1:${port}`;
		const env: Record<string, string> = { PORT: String(port), ORIGIN: origin, ORG_NAME };
		if (backend === 'postgres') {
			database = await createTestDatabase('postgres');
			env.DATABASE_URL = database.url as string;
		}
		app = await startProcess({ env });
		admin = await registerAdmin(app.url);
		hm = await createUser(app.url, admin.api, 'hiring_manager', 'Hanna Manager');
		approver = await createUser(app.url, admin.api, 'approver', 'Amir Approver');
		recruiter = await createUser(app.url, admin.api, 'recruiter', 'Rita Recruiter');
		engineering = (await admin.api.post('/departments', { name: 'Engineering' })).body.data.id;
		design = (await admin.api.post('/departments', { name: 'Design' })).body.data.id;

		robotics = await openRequirement({
			title: 'Robotics Engineer',
			department_id: engineering,
			employment_type: 'full_time',
			location_city: 'Berlin',
			location_country: 'DE',
			remote_policy: 'hybrid',
			salary_min: 70000,
			salary_max: 90000,
			currency: 'EUR'
		});
		designer = await openRequirement({
			title: 'Product Designer',
			department_id: design,
			employment_type: 'part_time',
			location_country: 'PT',
			remote_policy: 'remote',
			salary_min: 40000,
			salary_max: 52000,
			currency: 'EUR'
		});
		embedded = await openRequirement({
			title: 'C++ & <Embedded> Engineer',
			department_id: engineering,
			employment_type: 'contract',
			location_city: 'Munich',
			location_country: 'DE',
			remote_policy: 'onsite'
		});
	});

	afterAll(async () => {
		await app?.stop();
		await database?.close();
	});

	/** Created by the manager, approved, opened: ready to publish. */
	async function openRequirement(fields: Record<string, unknown>): Promise<Opening> {
		const created = await hm.api.post('/requirements', { headcount: 1, ...fields });
		expect(created.status, JSON.stringify(created.body)).toBe(201);
		const id: string = created.body.data.id;
		expect((await hm.api.post(`/requirements/${id}/submit`, {})).status).toBe(200);
		const pending = await approver.api.get('/approvals/pending');
		const approval = pending.body.data.items.find((a: { subject_id: string }) => a.subject_id === id);
		expect((await approver.api.post(`/approvals/${approval.id}/approve`, {})).status).toBe(200);
		const opened = await recruiter.api.post(`/requirements/${id}/open`, {});
		expect(opened.status, JSON.stringify(opened.body)).toBe(200);
		return { id, reference: created.body.data.reference, title: created.body.data.title };
	}

	const inDays = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);

	async function publish(id: string, published = true, validThrough: string | null = inDays(60)) {
		return recruiter.api.post(`/requirements/${id}/publish`, { published, valid_through: validThrough });
	}

	const page = async (pathname: string) => {
		const res = await fetch(app.url + pathname, { headers: { accept: 'text/html' } });
		return { status: res.status, html: await res.text(), headers: res.headers };
	};

	/** Ids of the postings the careers list links to. */
	async function listed(query = ''): Promise<string[]> {
		const { status, html } = await page(`/careers${query}`);
		expect(status).toBe(200);
		return [...html.matchAll(/<a href="\/careers\/([0-9a-f-]{36})"[^>]*data-testid="posting"/g)].map((m) => m[1]);
	}

	function jsonLd(html: string): Record<string, any> {
		const blocks = [...html.matchAll(/<script type="application\/ld\+json">([\s\S]*?)<\/script>/g)];
		expect(blocks).toHaveLength(1);
		return JSON.parse(blocks[0][1]);
	}

	async function feed(): Promise<Array<Record<string, string>>> {
		const res = await fetch(`${app.url}/careers/feed.xml`);
		expect(res.status).toBe(200);
		expect(res.headers.get('content-type')).toMatch(/^application\/xml/);
		const parsed = new XMLParser({ parseTagValue: false, isArray: (name) => name === 'job' }).parse(await res.text());
		expect(parsed.source.publisher).toBe(ORG_NAME);
		return parsed.source.job ?? [];
	}

	async function everywhere(id: string) {
		return {
			list: (await listed()).includes(id),
			page: (await page(`/careers/${id}`)).status,
			feed: (await feed()).some((j) => j.url === `${origin}/careers/${id}`)
		};
	}

	it('publishes an open requirement to /careers, /careers/:id (JobPosting JSON-LD) and the XML feed', async () => {
		expect(await everywhere(robotics.id)).toEqual({ list: false, page: 404, feed: false });
		const validThrough = inDays(45);
		const res = await publish(robotics.id, true, validThrough);
		expect(res.status, JSON.stringify(res.body)).toBe(200);
		expect(res.body.data).toMatchObject({ published: true, posting_valid_through: validThrough });
		const publishedAt: string = res.body.data.published_at;
		expect(await everywhere(robotics.id)).toEqual({ list: true, page: 200, feed: true });

		const { html, headers } = await page(`/careers/${robotics.id}`);
		expect(headers.get('set-cookie')).toBeNull();
		expect(html).toContain('Robotics Engineer');
		expect(html).toContain(`Reference ${robotics.reference}`);
		const data = jsonLd(html);
		// Google's required properties…
		expect(data['@context']).toMatch(/^https?:\/\/schema\.org\/?$/);
		expect(data['@type']).toBe('JobPosting');
		expect(data.title).toBe('Robotics Engineer');
		expect(typeof data.description).toBe('string');
		expect(data.description.length).toBeGreaterThan(0);
		expect(data.datePosted).toBe(publishedAt.slice(0, 10));
		expect(data.hiringOrganization).toMatchObject({ '@type': 'Organization', name: ORG_NAME });
		expect(data.jobLocation).toEqual({
			'@type': 'Place',
			address: { '@type': 'PostalAddress', addressLocality: 'Berlin', addressCountry: 'DE' }
		});
		// …and recommended ones.
		expect(data.validThrough).toBe(`${validThrough}T23:59:59Z`);
		expect(Number.isNaN(Date.parse(data.validThrough))).toBe(false);
		expect(data.employmentType).toBe('FULL_TIME');
		expect(data.baseSalary).toEqual({
			'@type': 'MonetaryAmount',
			currency: 'EUR',
			value: { '@type': 'QuantitativeValue', minValue: 70000, maxValue: 90000, unitText: 'YEAR' }
		});
		expect(data.identifier).toEqual({ '@type': 'PropertyValue', name: ORG_NAME, value: robotics.reference });
		expect(data.url).toBe(`${origin}/careers/${robotics.id}`);
		expect(data.jobLocationType).toBeUndefined();

		const [job] = (await feed()).filter((j) => j.url === `${origin}/careers/${robotics.id}`);
		expect(job).toMatchObject({
			title: 'Robotics Engineer',
			referencenumber: robotics.reference,
			company: ORG_NAME,
			city: 'Berlin',
			country: 'DE',
			salary: '70000-90000 EUR per year',
			jobtype: 'fulltime'
		});
		expect(new Date(job.date).toISOString().slice(0, 10)).toBe(publishedAt.slice(0, 10));
		expect(job.description.length).toBeGreaterThan(0);
	});

	it('marks a remote posting TELECOMMUTE with the applicant location, and escapes what it carries', async () => {
		expect((await publish(designer.id)).status).toBe(200);
		expect((await publish(embedded.id)).status).toBe(200);
		const remote = jsonLd((await page(`/careers/${designer.id}`)).html);
		expect(remote.jobLocationType).toBe('TELECOMMUTE');
		expect(remote.applicantLocationRequirements).toEqual({ '@type': 'Country', name: 'PT' });
		expect(remote.jobLocation).toBeUndefined();
		expect(remote.employmentType).toBe('PART_TIME');

		const { html } = await page(`/careers/${embedded.id}`);
		// The title cannot break out of the JSON-LD block or the page.
		expect(html).not.toContain('<Embedded>');
		const data = jsonLd(html);
		expect(data.title).toBe('C++ & <Embedded> Engineer');
		expect(data.employmentType).toBe('CONTRACTOR');
		expect(data.baseSalary).toBeUndefined();

		const jobs = await feed();
		const byUrl = new Map(jobs.map((j) => [j.url, j]));
		expect(byUrl.get(`${origin}/careers/${embedded.id}`)).toMatchObject({
			title: 'C++ & <Embedded> Engineer',
			city: 'Munich',
			salary: '',
			jobtype: 'contract'
		});
		expect(byUrl.get(`${origin}/careers/${designer.id}`)).toMatchObject({
			title: 'Product Designer',
			city: 'Remote',
			country: 'PT',
			salary: '40000-52000 EUR per year',
			jobtype: 'parttime'
		});
		// One <job> per published posting, nothing else.
		expect(jobs.map((j) => j.referencenumber).sort()).toEqual(
			[robotics.reference, designer.reference, embedded.reference].sort()
		);
	});

	it('filters the careers page by department and by location', async () => {
		expect((await listed()).sort()).toEqual([robotics.id, designer.id, embedded.id].sort());
		expect((await listed(`?department=${engineering}`)).sort()).toEqual([robotics.id, embedded.id].sort());
		expect(await listed(`?department=${design}`)).toEqual([designer.id]);
		expect(await listed('?location=Berlin')).toEqual([robotics.id]);
		expect(await listed('?location=remote')).toEqual([designer.id]);
		expect((await listed('?location=DE')).sort()).toEqual([robotics.id, embedded.id].sort());
		expect(await listed(`?department=${design}&location=Berlin`)).toEqual([]);
		// Junk in the query is ignored, never an error.
		expect((await listed('?department=not-a-uuid')).length).toBe(3);
	});

	it('publishes only open requirements (409), and only for those who manage them (403)', async () => {
		const draft = await hm.api.post('/requirements', {
			title: 'Draft Role',
			department_id: engineering,
			remote_policy: 'onsite'
		});
		const refused = await publish(draft.body.data.id);
		expect(refused.status).toBe(409);
		expect(refused.body.error.code).toBe('NOT_OPEN');

		const approvedOnly = await hm.api.post('/requirements', {
			title: 'Approved Role',
			department_id: engineering,
			remote_policy: 'onsite'
		});
		const id = approvedOnly.body.data.id;
		await hm.api.post(`/requirements/${id}/submit`, {});
		const pending = await approver.api.get('/approvals/pending');
		const approval = pending.body.data.items.find((a: { subject_id: string }) => a.subject_id === id);
		await approver.api.post(`/approvals/${approval.id}/approve`, {});
		expect((await hm.api.get(`/requirements/${id}`)).body.data.status).toBe('approved');
		expect((await publish(id)).status).toBe(409);
		expect((await page(`/careers/${id}`)).status).toBe(404);

		expect((await approver.api.post(`/requirements/${robotics.id}/publish`, { published: false })).status).toBe(403);
		expect((await apiClient(app.url).post(`/requirements/${robotics.id}/publish`, { published: false })).status).toBe(
			401
		);
		expect((await recruiter.api.post(`/requirements/${robotics.id}/publish`, { published: 'yes' })).status).toBe(422);
	});

	it('refuses to publish a posting with no location (422 naming the fields), and keeps one with no end date up 60 days', async () => {
		const field = await openRequirement({
			title: 'Field Engineer',
			department_id: engineering,
			remote_policy: 'hybrid'
		});
		const refused = await publish(field.id, true, null);
		expect(refused.status, JSON.stringify(refused.body)).toBe(422);
		expect(refused.body.error.details.map((d: { field: string }) => d.field).sort()).toEqual([
			'location_city',
			'location_country'
		]);
		expect((await hm.api.get(`/requirements/${field.id}`)).body.data.published).toBe(false);
		expect((await page(`/careers/${field.id}`)).status).toBe(404);

		const anywhere = await openRequirement({
			title: 'Remote Writer',
			department_id: engineering,
			remote_policy: 'remote'
		});
		const noCountry = await publish(anywhere.id, true, null);
		expect(noCountry.status).toBe(422);
		expect(noCountry.body.error.details.map((d: { field: string }) => d.field)).toEqual(['location_country']);

		const current = (await hm.api.get(`/requirements/${field.id}`)).body.data;
		const located = await hm.api.patch(`/requirements/${field.id}`, {
			location_city: 'Bremen',
			location_country: 'DE',
			version: current.version
		});
		expect(located.status, JSON.stringify(located.body)).toBe(200);
		const published = await recruiter.api.post(`/requirements/${field.id}/publish`, { published: true });
		expect(published.status, JSON.stringify(published.body)).toBe(200);
		expect(published.body.data.posting_valid_through).toBe(inDays(60));
		expect(jsonLd((await page(`/careers/${field.id}`)).html).validThrough).toBe(`${inDays(60)}T23:59:59Z`);
		// Publishing again without a date keeps the end date it has.
		const again = await publish(field.id, true, null);
		expect(again.body.data.posting_valid_through).toBe(inDays(60));
		expect((await publish(field.id, false)).status).toBe(200);
	});

	it('takes a posting down everywhere when it is unpublished, expired, held, filled or cancelled', async () => {
		const gone = { list: false, page: 404, feed: false };
		const live = { list: true, page: 200, feed: true };
		const extra = await openRequirement({
			title: 'Test Engineer',
			department_id: engineering,
			location_city: 'Hamburg',
			location_country: 'DE',
			remote_policy: 'onsite'
		});
		expect((await publish(extra.id)).status).toBe(200);
		expect(await everywhere(extra.id)).toEqual(live);

		expect((await publish(extra.id, false)).status).toBe(200);
		expect(await everywhere(extra.id)).toEqual(gone);
		expect((await publish(extra.id)).status).toBe(200);
		expect(await everywhere(extra.id)).toEqual(live);

		// Past its valid-through date.
		expect((await publish(extra.id, true, inDays(-1))).status).toBe(200);
		expect(await everywhere(extra.id)).toEqual(gone);
		expect((await publish(extra.id, true, inDays(30))).status).toBe(200);

		// On hold it is hidden; reopened it is back.
		expect((await hm.api.post(`/requirements/${extra.id}/hold`, {})).status).toBe(200);
		expect(await everywhere(extra.id)).toEqual(gone);
		expect((await hm.api.post(`/requirements/${extra.id}/reopen`, {})).status).toBe(200);
		expect(await everywhere(extra.id)).toEqual(live);

		expect((await recruiter.api.post(`/requirements/${extra.id}/fill`, {})).status).toBe(200);
		expect(await everywhere(extra.id)).toEqual(gone);

		const another = await openRequirement({
			title: 'QA Lead',
			department_id: engineering,
			location_city: 'Hamburg',
			location_country: 'DE',
			remote_policy: 'onsite'
		});
		expect((await publish(another.id)).status).toBe(200);
		expect(await everywhere(another.id)).toEqual(live);
		expect((await hm.api.post(`/requirements/${another.id}/cancel`, { comment: 'Reorg' })).status).toBe(200);
		expect(await everywhere(another.id)).toEqual(gone);
		expect((await hm.api.get(`/requirements/${another.id}`)).body.data.published).toBe(false);
		// The others are untouched.
		expect(await everywhere(robotics.id)).toEqual(live);
	});

	// ------------------------------------------------------------------------------------------
	// Applying

	interface ApplyFields {
		name?: string;
		email?: string;
		phone?: string;
		consent?: boolean;
		file?: { bytes: Uint8Array<ArrayBuffer>; name: string; type: string };
	}

	async function apply(id: string, fields: ApplyFields) {
		const form = new FormData();
		if (fields.name !== undefined) form.append('name', fields.name);
		if (fields.email !== undefined) form.append('email', fields.email);
		if (fields.phone !== undefined) form.append('phone', fields.phone);
		if (fields.consent) form.append('consent', 'yes');
		if (fields.file) form.append('cv', new Blob([fields.file.bytes], { type: fields.file.type }), fields.file.name);
		const res = await fetch(`${app.url}/careers/${id}`, {
			method: 'POST',
			headers: { accept: 'text/html', origin },
			body: form
		});
		return { status: res.status, html: await res.text() };
	}

	const pdf = (text: string) => ({ bytes: minimalPdf(text), name: 'cv.pdf', type: 'application/pdf' });
	const person = (n: number) => ({
		name: `Casey Candidate ${n}`,
		email: `casey.${n}@example.org`,
		phone: '+49 30 1234567',
		consent: true
	});

	it('refuses a CV that is not a real PDF or Word file, too large, or sent without consent', async () => {
		const fake = await apply(robotics.id, {
			...person(1),
			file: { bytes: new TextEncoder().encode('MZ this is not a PDF'), name: 'cv.pdf', type: 'application/pdf' }
		});
		expect(fake.status).toBe(415);
		expect(fake.html).toContain('This file is named .pdf but its content is not a PDF file');

		for (const [name, type] of [
			['setup.exe', 'application/x-msdownload'],
			['cv.txt', 'text/plain']
		]) {
			const res = await apply(robotics.id, { ...person(1), file: { bytes: minimalPdf('x'), name, type } });
			expect(res.status, name).toBe(415);
			expect(res.html).toContain('Upload a PDF or a Word (.docx) file');
		}

		const big = new Uint8Array(10 * 1024 * 1024 + 512);
		big.set(minimalPdf('big'));
		const tooLarge = await apply(robotics.id, {
			...person(1),
			file: { bytes: big, name: 'cv.pdf', type: 'application/pdf' }
		});
		expect(tooLarge.status).toBe(413);
		expect(tooLarge.html).toMatch(/larger than 10240 KB/);

		const noConsent = await apply(robotics.id, { ...person(1), consent: false, file: pdf('no consent') });
		expect(noConsent.status).toBe(422);
		expect(noConsent.html).toContain('Please agree to the processing of your application');

		const noFile = await apply(robotics.id, { ...person(1) });
		expect(noFile.status).toBe(422);
		expect(noFile.html).toContain('Attach your CV (PDF or Word)');

		// A posting that is not published takes no applications.
		const draft = await hm.api.post('/requirements', { title: 'Hidden', department_id: engineering });
		expect((await apply(draft.body.data.id, { ...person(1), file: pdf('hidden') })).status).toBe(404);

		// Cross-site form posts are refused before anything is read.
		const crossSite = await fetch(`${app.url}/careers/${robotics.id}`, {
			method: 'POST',
			headers: {
				accept: 'text/html',
				origin: 'http://evil.example',
				'content-type': 'application/x-www-form-urlencoded'
			},
			body: 'name=x'
		});
		expect(crossSite.status).toBe(403);
	});

	async function expectStored(
		bytes: Uint8Array<ArrayBuffer>,
		who: ReturnType<typeof person>,
		fileName: string,
		mime: string
	) {
		const hash = sha256(bytes);
		const file = path.join(app.dataDir, 'files', hash.slice(0, 2), hash);
		expect(existsSync(file), file).toBe(true);
		expect(Buffer.compare(readFileSync(file), Buffer.from(bytes))).toBe(0);
		const audit = await admin.api.get(
			`/audit-logs?entity_type=requirement&entity_id=${robotics.id}&action=inbound_application.received&page_size=100`
		);
		const entry = (
			audit.body.data.items as Array<{ metadata: { file_hash: string; inbound_application_id: string } }>
		).find((e) => e.metadata.file_hash === hash);
		expect(entry, 'an audit row for the stored application').toBeTruthy();
		if (database) {
			const client = new pg.Client({ connectionString: database.url });
			await client.connect();
			try {
				const { rows } = await client.query('select * from inbound_applications where id = $1', [
					entry!.metadata.inbound_application_id
				]);
				expect(rows[0]).toMatchObject({
					requirement_id: robotics.id,
					name: who.name,
					email: who.email,
					phone: who.phone,
					file_hash: hash,
					file_name: fileName,
					file_size: bytes.byteLength,
					mime_type: mime,
					ip: expect.stringMatching(/127\.0\.0\.1/)
				});
				expect(rows[0].consent_text).toMatch(/I agree/);
			} finally {
				await client.end();
			}
		}
	}

	it('stores a valid PDF and a valid DOCX application with its file under DATA_DIR/files', async () => {
		const cv = minimalPdf('Casey Candidate 2 — robotics, ROS, C++');
		const first = await apply(robotics.id, {
			...person(2),
			file: { bytes: cv, name: 'casey.pdf', type: 'application/pdf' }
		});
		expect(first.status, first.html.slice(0, 500)).toBe(200);
		expect(first.html).toContain('Thank you! We received your application');
		await expectStored(cv, person(2), 'casey.pdf', 'application/pdf');

		const word = minimalDocx('Casey Candidate 3 — embedded systems');
		const second = await apply(robotics.id, {
			...person(3),
			file: { bytes: word, name: 'casey.docx', type: DOCX_MIME }
		});
		expect(second.status, second.html.slice(0, 500)).toBe(200);
		await expectStored(word, person(3), 'casey.docx', DOCX_MIME);
	});

	it('takes at most five applications an hour from one address, even sent all at once (429 after that)', async () => {
		// Two were stored by the test before; of six sent at the same instant, three fit.
		const burst = await Promise.all(
			[4, 5, 6, 7, 8, 9].map((n) => apply(robotics.id, { ...person(n), file: pdf(`Candidate ${n}`) }))
		);
		expect(burst.map((r) => r.status).sort()).toEqual([200, 200, 200, 429, 429, 429]);
		const limited = await apply(designer.id, { ...person(10), file: pdf('Candidate 10') });
		expect(limited.status).toBe(429);
		expect(limited.html).toContain('Too many applications from your network; please try again in an hour.');
	});
});
