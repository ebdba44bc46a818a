import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS } from '../helpers/env';
import { DOCX_MIME, minimalDocx, minimalPdf } from '../helpers/fixtures';
import {
	addApplication,
	createCandidate,
	createOrg,
	getRaw,
	openRequirement,
	postForm,
	sql,
	startApp,
	waitForJob,
	type Member,
	type Org,
	type RunningApp
} from '../helpers/hiring';

/**
 * Candidates on the built app (issue 4): full-text search that reaches into CV text extracted
 * from real PDF and DOCX files, ranking, list filters, duplicate detection on normalised
 * identifiers, merging with a tombstone, and the streamed CSV export.
 */
describe.each(BACKENDS)('candidates on %s', (backend) => {
	let running: RunningApp;
	let org: Org;
	let recruiter: Member;

	beforeAll(async () => {
		running = await startApp(backend, { DEFAULT_COUNTRY: 'DE' });
		org = await createOrg(running);
		recruiter = org.recruiter;
	});

	afterAll(async () => {
		await running?.close();
	});

	const ids = (res: { body: Record<string, any> }) => (res.body.data.items as Array<{ id: string }>).map((c) => c.id);

	async function search(query: string) {
		const res = await recruiter.api.get(`/candidates?${query}`);
		expect(res.status, JSON.stringify(res.body)).toBe(200);
		return ids(res);
	}

	/** Uploads a CV and waits until the extraction job has indexed its text. */
	async function uploadCv(candidateId: string, file: { bytes: Uint8Array; name: string; type: string }) {
		const res = await postForm(running.url, recruiter.token, `/candidates/${candidateId}/resume`, file);
		expect(res.status, JSON.stringify(res.body)).toBe(201);
		const deadline = Date.now() + 30_000;
		for (;;) {
			const docs = await recruiter.api.get(`/candidates/${candidateId}/documents`);
			const doc = (docs.body.data.items as Array<{ id: string; extraction: string }>).find(
				(d) => d.id === res.body.data.id
			);
			expect(doc?.extraction).not.toBe('failed');
			if (doc?.extraction === 'done') break;
			if (Date.now() > deadline) throw new Error(`extraction of ${file.name} did not finish`);
			await new Promise((resolve) => setTimeout(resolve, 50));
		}
		return res.body.data as { id: string };
	}

	it('finds a candidate by a word that appears only in their PDF or DOCX CV, and ranks a name match above a CV match', async () => {
		const pdfPerson = await createCandidate(recruiter, { name: 'Paula Archer', current_title: 'Engineer' });
		const docxPerson = await createCandidate(recruiter, { name: 'Dario Bell', current_title: 'Engineer' });
		const bystander = await createCandidate(recruiter, { name: 'Bea Stander', current_title: 'Engineer' });
		// Before the CVs: the words are nowhere.
		expect(await search('q=quokkafarming')).toEqual([]);
		expect(await search('q=xylophonist')).toEqual([]);

		await uploadCv(pdfPerson.id, {
			bytes: minimalPdf('Ten years of quokkafarming and robotics in Perth'),
			name: 'paula.pdf',
			type: 'application/pdf'
		});
		await uploadCv(docxPerson.id, {
			bytes: minimalDocx('Principal xylophonist, embedded firmware'),
			name: 'dario.docx',
			type: DOCX_MIME
		});
		expect(await search('q=quokkafarming')).toEqual([pdfPerson.id]);
		expect(await search('q=xylophonist')).toEqual([docxPerson.id]);
		// Prefix search, case-insensitive, as typed in a search box.
		expect(await search('q=XYLOPHON')).toEqual([docxPerson.id]);
		expect(await search('q=quokkafarming%20perth')).toEqual([pdfPerson.id]);
		expect(await search('q=quokkafarming%20xylophonist')).toEqual([]);
		const got = await recruiter.api.get(`/candidates/${pdfPerson.id}`);
		expect(got.body.data.has_cv_text).toBe(true);
		expect(got.body.data.cv_text).toBeUndefined();
		expect(await search('q=stander')).toEqual([bystander.id]);

		// "Marlowe" is one candidate's name and only in another one's CV: the name match ranks first.
		const byCv = await createCandidate(recruiter, { name: 'Cora Vance' });
		await uploadCv(byCv.id, {
			bytes: minimalPdf('Reference: worked with Marlowe on the lunar rover'),
			name: 'cora.pdf',
			type: 'application/pdf'
		});
		const byName = await createCandidate(recruiter, { name: 'Marlowe Quinn' });
		const ranked = await recruiter.api.get('/candidates?q=marlowe');
		expect(ids(ranked)).toEqual([byName.id, byCv.id]);
		const [first, second] = ranked.body.data.items as Array<{ rank: number }>;
		expect(first.rank).toBeGreaterThan(second.rank);
	});

	it('searches e-mail addresses, titles, companies and tags', async () => {
		const c = await createCandidate(recruiter, {
			name: 'Ezra Mailer',
			emails: ['ezra.mailer@mailhost.example'],
			current_title: 'Cartographer',
			current_company: 'Globetrotters',
			tags: ['Haskell']
		});
		expect(await search('q=ezra.mailer%40mailhost.example')).toEqual([c.id]);
		expect(await search('q=cartograph')).toEqual([c.id]);
		expect(await search('q=globetrotters')).toEqual([c.id]);
		expect(await search('q=haskell')).toEqual([c.id]);
		// Nothing to search for (only punctuation) is not an error, and finds nothing.
		const punctuation = await recruiter.api.get('/candidates?q=%2B%2B%2B');
		expect(punctuation.status).toBe(200);
		expect(punctuation.body.data.items).toEqual([]);
	});

	it('filters by tag, source, requirement, stage and creation date, with pagination', async () => {
		const before = new Date().toISOString();
		const req = await openRequirement(org, 'Filter Engineer');
		const kotlin = await createCandidate(recruiter, {
			name: 'Filter Kotlin',
			tags: ['Kotlin', 'filtered'],
			source: 'referral',
			referrer_name: 'Rosa'
		});
		const go = await createCandidate(recruiter, { name: 'Filter Go', tags: ['go', 'filtered'], source: 'agency' });
		const plain = await createCandidate(recruiter, { name: 'Filter Plain', tags: ['filtered'] });
		await addApplication(recruiter, req.id, kotlin.id);
		const goApp = await addApplication(recruiter, req.id, go.id);
		const moved = await recruiter.api.patch(`/applications/${goApp.id}/stage`, {
			stage: 'screening',
			version: goApp.version
		});
		expect(moved.status, JSON.stringify(moved.body)).toBe(200);

		const sorted = (list: string[]) => [...list].sort();
		expect(await search('tag=kotlin')).toEqual([kotlin.id]);
		expect(sorted(await search('tag=filtered'))).toEqual(sorted([kotlin.id, go.id, plain.id]));
		expect(await search('tag=filtered&tag=go')).toEqual([go.id]);
		expect(await search('tag=filtered&source=referral')).toEqual([kotlin.id]);
		expect(await search('tag=filtered&source=agency')).toEqual([go.id]);
		expect(sorted(await search(`requirement_id=${req.id}`))).toEqual(sorted([kotlin.id, go.id]));
		expect(await search(`requirement_id=${req.id}&stage=screening`)).toEqual([go.id]);
		expect(await search(`requirement_id=${req.id}&stage=sourced`)).toEqual([kotlin.id]);
		expect(await search(`stage=screening&tag=filtered`)).toEqual([go.id]);

		// Created range: everything made in this test, and nothing before a future instant.
		const inRange = await search(`tag=filtered&created_from=${encodeURIComponent(before)}`);
		expect(sorted(inRange)).toEqual(sorted([kotlin.id, go.id, plain.id]));
		expect(await search(`tag=filtered&created_to=${encodeURIComponent(before)}`)).toEqual([]);
		const future = new Date(Date.now() + 3_600_000).toISOString();
		expect(await search(`tag=filtered&created_from=${encodeURIComponent(future)}`)).toEqual([]);

		// Newest first, paginated.
		const page1 = await recruiter.api.get('/candidates?tag=filtered&page_size=2');
		expect(page1.body.data.pagination).toEqual({ page: 1, page_size: 2, total_items: 3, total_pages: 2 });
		expect(ids(page1)).toEqual([plain.id, go.id]);
		const page2 = await recruiter.api.get('/candidates?tag=filtered&page_size=2&page=2');
		expect(ids(page2)).toEqual([kotlin.id]);
		// A text search counts its matches with the page, and still knows the total past the end.
		const text1 = await recruiter.api.get('/candidates?q=filter&tag=filtered&page_size=2');
		expect(text1.body.data.pagination).toEqual({ page: 1, page_size: 2, total_items: 3, total_pages: 2 });
		expect(ids(text1)).toHaveLength(2);
		const beyond = await recruiter.api.get('/candidates?q=filter&tag=filtered&page_size=2&page=5');
		expect(beyond.status).toBe(200);
		expect(ids(beyond)).toEqual([]);
		expect(beyond.body.data.pagination.total_items).toBe(3);

		// Bad filters are 422 with the field, never a 500.
		const bad = await recruiter.api.get('/candidates?source=carrier_pigeon');
		expect(bad.status).toBe(422);
		expect(bad.body.error.details[0].field).toBe('source');
	});

	it('refuses a duplicate by e-mail case, phone format or LinkedIn URL form (409 with the match) unless allow_duplicate', async () => {
		const original = await createCandidate(recruiter, {
			name: 'Jana Original',
			emails: ['Jana.Original@Example.com'],
			phone: '+49 151 23456789',
			linkedin_url: 'https://www.linkedin.com/in/Jana-Original/'
		});
		const attempts: Array<[string, Record<string, unknown>, string]> = [
			['e-mail in another case', { emails: ['JANA.ORIGINAL@example.COM'] }, 'email:jana.original@example.com'],
			['phone written nationally (DEFAULT_COUNTRY=DE)', { phone: '0151 2345 6789' }, 'phone:+4915123456789'],
			['phone with other punctuation', { phone: '(0151) 234-567-89' }, 'phone:+4915123456789'],
			[
				'LinkedIn without www., with a query and no trailing slash',
				{ linkedin_url: 'linkedin.com/in/jana-original?trk=public_profile' },
				'linkedin:linkedin.com/in/jana-original'
			],
			[
				'LinkedIn on a country subdomain over http',
				{ linkedin_url: 'http://de.linkedin.com/in/jana-original/#about' },
				'linkedin:linkedin.com/in/jana-original'
			]
		];
		for (const [what, fields, matchedOn] of attempts) {
			const res = await recruiter.api.post('/candidates', { name: 'Jana Again', ...fields });
			expect(res.status, what).toBe(409);
			expect(res.body.error.code, what).toBe('DUPLICATE_CANDIDATE');
			expect(res.body.error.message).toContain('Jana Original');
			const [match] = res.body.error.data.matches;
			expect(match.id, what).toBe(original.id);
			expect(match.matched_on, what).toContain(matchedOn);
		}
		// Nothing was created by the refused attempts.
		expect(await search('q=jana')).toEqual([original.id]);

		const forced = await createCandidate(
			recruiter,
			{ name: 'Jana Again', emails: ['jana.original@example.com'] },
			'?allow_duplicate=true'
		);
		expect(forced.possible_duplicate_of_id).toBe(original.id);
		expect((await recruiter.api.get(`/candidates/${forced.id}`)).body.data.possible_duplicate_of_id).toBe(original.id);
		const audit = await org.admin.api.get(
			`/audit-logs?entity_type=candidate&entity_id=${forced.id}&action=candidate.created`
		);
		expect(audit.body.data.items[0].metadata).toMatchObject({ possible_duplicate_of: original.id });

		// A different person is not a duplicate.
		await createCandidate(recruiter, {
			name: 'Jana Other',
			emails: ['jana.other@example.com'],
			phone: '0151 99999999'
		});
	});

	it('merges two candidates: every application, document and note moves, both e-mails stay, the duplicate becomes a tombstone', async () => {
		const r1 = await openRequirement(org, 'Merge Engineer');
		const r2 = await openRequirement(org, 'Merge Designer');
		const survivor = await createCandidate(recruiter, {
			name: 'Morgan Merge',
			emails: ['morgan@example.org'],
			tags: ['rust']
		});
		const duplicate = await createCandidate(
			recruiter,
			{
				name: 'Morgan Merge (agency)',
				emails: ['m.merge@agency.example'],
				phone: '+49 30 1234567',
				current_company: 'Agency Co',
				tags: ['go']
			},
			''
		);
		const app1 = await addApplication(recruiter, r1.id, survivor.id);
		const app2 = await addApplication(recruiter, r2.id, duplicate.id);
		const doc1 = await uploadCv(survivor.id, {
			bytes: minimalPdf('Morgan survivor CV'),
			name: 'survivor.pdf',
			type: 'application/pdf'
		});
		const doc2 = await uploadCv(duplicate.id, {
			bytes: minimalDocx('Morgan agency CV with zebrafish'),
			name: 'agency.docx',
			type: DOCX_MIME
		});
		for (const [who, body] of [
			[survivor.id, 'Strong systems background'],
			[duplicate.id, 'Agency says: available in March']
		]) {
			expect((await recruiter.api.post(`/candidates/${who}/notes`, { body })).status).toBe(201);
		}

		// Refusals first: into itself, and (below) anything involving a tombstone.
		const self = await recruiter.api.post(`/candidates/${survivor.id}/merge`, { duplicate_id: survivor.id });
		expect(self.status).toBe(422);
		expect(self.body.error.details[0].message).toMatch(/itself/);
		const missing = await recruiter.api.post(`/candidates/${survivor.id}/merge`, {});
		expect(missing.status).toBe(422);
		// Viewers may read candidates but not merge them.
		expect((await org.viewer.api.post(`/candidates/${survivor.id}/merge`, { duplicate_id: duplicate.id })).status).toBe(
			403
		);

		const merged = await recruiter.api.post(`/candidates/${survivor.id}/merge`, { duplicate_id: duplicate.id });
		expect(merged.status, JSON.stringify(merged.body)).toBe(200);
		expect(merged.body.data.emails).toEqual(['morgan@example.org', 'm.merge@agency.example']);

		const after = (await recruiter.api.get(`/candidates/${survivor.id}`)).body.data;
		expect(after.emails).toEqual(['morgan@example.org', 'm.merge@agency.example']);
		expect(after.tags.sort()).toEqual(['go', 'rust']);
		expect(after.phone).toBe('+49 30 1234567');
		expect(after.current_company).toBe('Agency Co');
		expect(after.applications.map((a: { id: string }) => a.id).sort()).toEqual([app1.id, app2.id].sort());
		expect(after.documents.map((d: { id: string }) => d.id).sort()).toEqual([doc1.id, doc2.id].sort());
		expect(after.notes.map((n: { body: string }) => n.body).sort()).toEqual([
			'Agency says: available in March',
			'Strong systems background'
		]);
		// The moved application is the survivor's on its board; the duplicate's document downloads
		// from the survivor.
		const board = await recruiter.api.get(`/requirements/${r2.id}/pipeline`);
		expect(board.body.data.cards.find((c: { id: string }) => c.id === app2.id).candidate_id).toBe(survivor.id);
		const download = await getRaw(running.url, recruiter.token, `/candidates/${survivor.id}/documents/${doc2.id}`);
		expect(download.status).toBe(200);
		// Searching by the duplicate's e-mail (or its CV text) finds the survivor only.
		expect(await search('q=m.merge%40agency.example')).toEqual([survivor.id]);
		expect(await search('q=morgan')).toEqual([survivor.id]);

		// The tombstone: readable, pointing at the survivor, out of lists (unless asked for).
		const tombstone = await recruiter.api.get(`/candidates/${duplicate.id}`);
		expect(tombstone.status).toBe(200);
		expect(tombstone.body.data.merged_into_id).toBe(survivor.id);
		expect(tombstone.body.data.applications).toEqual([]);
		expect(tombstone.body.data.documents).toEqual([]);
		const withMerged = await search('q=morgan&include_merged=true');
		expect(withMerged.sort()).toEqual([survivor.id, duplicate.id].sort());

		// Audited on both, by the recruiter.
		const audit = await org.admin.api.get(
			`/audit-logs?entity_type=candidate&entity_id=${survivor.id}&action=candidate.merged`
		);
		expect(audit.body.data.items).toHaveLength(1);
		expect(audit.body.data.items[0].actor_id).toBe(recruiter.id);
		expect(audit.body.data.items[0].metadata).toMatchObject({ survivor_id: survivor.id, duplicate_id: duplicate.id });
		const auditDup = await org.admin.api.get(
			`/audit-logs?entity_type=candidate&entity_id=${duplicate.id}&action=candidate.merged_into`
		);
		expect(auditDup.body.data.items).toHaveLength(1);

		// A tombstone can neither be merged again nor be merged into.
		const again = await recruiter.api.post(`/candidates/${survivor.id}/merge`, { duplicate_id: duplicate.id });
		expect(again.status).toBe(409);
		expect(again.body.error.code).toBe('ALREADY_MERGED');
		const third = await createCandidate(recruiter, { name: 'Third Person' });
		const into = await recruiter.api.post(`/candidates/${duplicate.id}/merge`, { duplicate_id: third.id });
		expect(into.status).toBe(409);
		// ...nor edited or given documents.
		const edit = await recruiter.api.patch(`/candidates/${duplicate.id}`, { name: 'Zombie', version: 2 });
		expect(edit.status).toBe(404);

		// The duplicate's identifiers now match the survivor, so a new "m.merge" is caught.
		const dup = await recruiter.api.post('/candidates', { name: 'Again', emails: ['M.Merge@agency.example'] });
		expect(dup.status).toBe(409);
		expect(dup.body.error.data.matches.map((m: { id: string }) => m.id)).toEqual([survivor.id]);

		const rows = await sql<{ candidate_id: string }>(
			running.database,
			'select candidate_id from candidate_documents where id = any($1)',
			[[doc1.id, doc2.id]]
		);
		if (rows) expect(rows.map((r) => r.candidate_id)).toEqual([survivor.id, survivor.id]);
	});

	it('merges two candidates who applied to the same requirement: the further application stays, the other is closed, audited and reported', async () => {
		const shared = await openRequirement(org, 'Clash Engineer');
		const survivor = await createCandidate(recruiter, { name: 'Casey Clash', emails: ['casey@clash.example'] });
		const duplicate = await createCandidate(
			recruiter,
			{ name: 'Casey Clash (referral)', emails: ['c.clash@referral.example'] },
			''
		);
		const survivorApp = await addApplication(recruiter, shared.id, survivor.id);
		const duplicateApp = await addApplication(recruiter, shared.id, duplicate.id);
		// The duplicate's application moved on later: it is the one that stays.
		const moved = await recruiter.api.patch(`/applications/${duplicateApp.id}/stage`, {
			stage: 'screening',
			version: duplicateApp.version
		});
		expect(moved.status, JSON.stringify(moved.body)).toBe(200);

		const merged = await recruiter.api.post(`/candidates/${survivor.id}/merge`, { duplicate_id: duplicate.id });
		expect(merged.status, JSON.stringify(merged.body)).toBe(200);
		expect(merged.body.data.merge).toEqual({
			moved_applications: 0,
			closed_applications: [
				{
					requirement_id: shared.id,
					closed_application_id: survivorApp.id,
					closed_stage: 'sourced',
					kept_application_id: duplicateApp.id,
					kept_stage: 'screening'
				}
			]
		});

		// One application on the board, the survivor's, in screening.
		const after = (await recruiter.api.get(`/candidates/${survivor.id}`)).body.data;
		expect(after.applications.map((a: { id: string; stage: string }) => [a.id, a.stage])).toEqual([
			[duplicateApp.id, 'screening']
		]);
		const board = await recruiter.api.get(`/requirements/${shared.id}/pipeline`);
		const cards = board.body.data.cards.filter((c: { candidate_id: string }) => c.candidate_id === survivor.id);
		expect(cards.map((c: { id: string }) => c.id)).toEqual([duplicateApp.id]);

		// The kept application's history says what was folded into it; the closing is audited.
		const kept = (await recruiter.api.get(`/applications/${duplicateApp.id}`)).body.data;
		expect(
			kept.history.map((h: { from_stage: string | null; to_stage: string; via: string }) => [
				h.from_stage,
				h.to_stage,
				h.via
			])
		).toEqual([
			[null, 'sourced', 'api'],
			['sourced', 'screening', 'api'],
			['screening', 'screening', 'merge']
		]);
		expect(kept.history[2].reason).toBe('Merged duplicate application (was in sourced)');
		const closing = await org.admin.api.get(
			`/audit-logs?entity_type=application&entity_id=${survivorApp.id}&action=application.closed_by_merge`
		);
		expect(closing.body.data.items).toHaveLength(1);
		expect(closing.body.data.items[0]).toMatchObject({
			actor_id: recruiter.id,
			metadata: { kept_application_id: duplicateApp.id, survivor_id: survivor.id, duplicate_id: duplicate.id }
		});
		// The closed one is kept (soft-deleted) with its own history.
		const rows = await sql<{ deleted: boolean; history: string }>(
			running.database,
			`select a.deleted_at is not null as deleted,
			        (select count(*) from application_stage_history h where h.application_id = a.id)::text as history
			   from applications a where a.id = $1`,
			[survivorApp.id]
		);
		if (rows) expect(rows).toEqual([{ deleted: true, history: '1' }]);
	});

	it('exports the filtered list as a streamed CSV with formula-looking cells neutralised', async () => {
		const safe = await createCandidate(recruiter, {
			name: 'Export Safe',
			emails: ['safe@export.example', 'second@export.example'],
			current_title: 'Engineer, "Platform"',
			tags: ['exported']
		});
		const formula = await createCandidate(recruiter, {
			name: '=HYPERLINK("http://evil.example","click")',
			current_title: '+SUM(A1:A9)',
			current_company: '@cmd',
			location: '-2+3',
			tags: ['exported']
		});
		await createCandidate(recruiter, { name: 'Not Exported', tags: ['other'] });

		const res = await getRaw(running.url, recruiter.token, '/candidates/export?tag=exported');
		expect(res.status).toBe(200);
		expect(res.headers.get('content-type')).toMatch(/^text\/csv/);
		expect(res.headers.get('content-disposition')).toMatch(
			/^attachment; filename="candidates-\d{4}-\d{2}-\d{2}\.csv"$/
		);
		// Streamed: no Content-Length, chunked.
		expect(res.headers.get('content-length')).toBeNull();
		const rows = parse(Buffer.from(res.bytes), { bom: true, columns: true }) as Array<Record<string, string>>;
		expect(rows.map((r) => r.id).sort()).toEqual([safe.id, formula.id].sort());
		const safeRow = rows.find((r) => r.id === safe.id)!;
		expect(safeRow.name).toBe('Export Safe');
		expect(safeRow.emails).toBe('safe@export.example; second@export.example');
		expect(safeRow.current_title).toBe('Engineer, "Platform"');
		const evil = rows.find((r) => r.id === formula.id)!;
		for (const column of ['name', 'current_title', 'current_company', 'location']) {
			expect(evil[column], column).toMatch(/^'[=+@-]/);
		}
		expect(evil.name).toBe(`'=HYPERLINK("http://evil.example","click")`);

		// The export takes the list's filters (search included) and its permissions.
		const searched = await getRaw(running.url, recruiter.token, '/candidates/export?q=export%20safe');
		const searchedRows = parse(Buffer.from(searched.bytes), { bom: true, columns: true }) as Array<{ id: string }>;
		expect(searchedRows.map((r) => r.id)).toEqual([safe.id]);
		const interviewer = await getRaw(running.url, org.interviewer.token, '/candidates/export');
		expect(interviewer.status).toBe(403);
	});

	it('exports more rows than one page of the stream, each once, even when they share a creation instant', async () => {
		// An import commits its rows in chunks: every row of a chunk has the same created_at.
		const many = 1205;
		const csv = ['name,tags', ...Array.from({ length: many }, (_, i) => `Bulk Export ${i},bulkexport`)].join('\n');
		const started = await postForm(running.url, recruiter.token, '/candidates/import', {
			bytes: new TextEncoder().encode(csv),
			name: 'bulk.csv',
			type: 'text/csv'
		});
		expect(started.status, JSON.stringify(started.body)).toBe(202);
		const { job } = await waitForJob(recruiter, started.body.data.job_id, 90_000);
		expect(job.status, JSON.stringify(job)).toBe('completed');
		expect(job.result.imported).toBe(many);
		const res = await getRaw(running.url, recruiter.token, '/candidates/export?tag=bulkexport');
		const rows = parse(Buffer.from(res.bytes), { bom: true, columns: true }) as Array<{ id: string; name: string }>;
		expect(rows).toHaveLength(many);
		expect(new Set(rows.map((r) => r.id)).size).toBe(many);
	});
});
