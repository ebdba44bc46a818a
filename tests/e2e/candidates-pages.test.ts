import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningProcess } from '../helpers/app';
import {
	DESKTOP,
	horizontalExtent,
	launchBrowser,
	PHONE,
	signIn,
	startAppForBrowser,
	type BrowserSession
} from '../helpers/browser';
import { cvDocx } from '../helpers/cvs';
import { DOCX_MIME, minimalPdf } from '../helpers/fixtures';
import { createUser, PASSWORD, registerAdmin } from '../helpers/org';

type Client = Awaited<ReturnType<typeof createUser>>['api'];

/** Screenshots of the page as it is, at desktop and phone width; the phone one must not scroll sideways. */
async function screenshots(page: Page, name: string) {
	// From the top, with nothing focused: a full-page shot keeps sticky bars where they are.
	await page.evaluate(() => {
		(document.activeElement as HTMLElement | null)?.blur();
		window.scrollTo(0, 0);
	});
	await page.setViewportSize(DESKTOP);
	await page.screenshot({ path: `/tmp/cand-${name}-1280.png`, fullPage: true });
	await page.setViewportSize(PHONE);
	// Let the layout settle at the new width.
	await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => resolve(null))));
	await page.screenshot({ path: `/tmp/cand-${name}-375.png`, fullPage: true });
	const extent = await horizontalExtent(page);
	expect(extent.scrollWidth, `${name} scrolls sideways at 375 px`).toBeLessThanOrEqual(extent.innerWidth);
	// Nor does a field stick out of the card it sits in.
	const outside = await page.evaluate(() =>
		[...document.querySelectorAll('main input, main select, main textarea, main button')]
			.filter((element) => {
				const card = element.parentElement?.closest('.rounded-xl');
				if (!card || element.getClientRects().length === 0) return false;
				return element.getBoundingClientRect().right > card.getBoundingClientRect().right + 0.5;
			})
			.map((element) => element.id || element.getAttribute('name') || element.textContent?.trim() || element.tagName)
	);
	expect(outside, `${name}: fields outside their card at 375 px`).toEqual([]);
	await page.setViewportSize(DESKTOP);
}

describe('the candidate pages', () => {
	let app: RunningProcess;
	let browser: BrowserSession;
	let recruiter: Client;
	const posts: string[] = [];

	beforeAll(async () => {
		app = await startAppForBrowser();
		const admin = await registerAdmin(app.url);
		const rita = await createUser(app.url, admin.api, 'recruiter', 'Rita Recruiter');
		recruiter = rita.api;
		browser = await launchBrowser({ baseURL: app.url });
		await signIn(browser.page, rita.email, PASSWORD);
		browser.page.on('request', (request) => {
			const path = new URL(request.url()).pathname;
			if (path.startsWith('/api/v1/candidates') && request.method() === 'POST') {
				posts.push(`POST ${path}${new URL(request.url()).search}`);
			}
		});
	});

	afterAll(async () => {
		await browser?.close();
		await app?.stop();
	});

	it('creates a candidate, points out a duplicate with its match, and creates it anyway on request', async () => {
		const { page } = browser;
		await page.goto('/candidates');
		await page.getByRole('heading', { name: 'Candidates', level: 1 }).waitFor();
		await screenshots(page, 'list-empty');
		await page.getByRole('link', { name: 'New candidate' }).first().click();
		await page.getByRole('heading', { name: 'New candidate', level: 1 }).waitFor();

		// Refused in the browser first: nothing is sent.
		await page.getByLabel('E-mail').fill('grace@');
		await page.getByRole('button', { name: 'Create candidate' }).click();
		await page.locator('#field-name-error').getByText('Name is required').waitFor();
		await page.locator('#field-emails-error').getByText('Enter a valid e-mail address').waitFor();
		await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe('field-name');
		expect(posts).toEqual([]);
		await screenshots(page, 'new-errors');

		await page.getByLabel('Name', { exact: true }).fill('Grace Hopper');
		await page.getByLabel('E-mail').fill('Grace.Hopper@Example.com');
		await page.getByLabel('Current title').fill('Rear Admiral');
		await page.getByLabel('Tags').fill('cobol');
		await page.getByLabel('Tags').press('Enter');
		await page.getByRole('button', { name: 'Create candidate' }).click();
		await page.waitForURL(/\/candidates\/[0-9a-f-]{36}$/);
		const firstId = new URL(page.url()).pathname.split('/').pop();
		await page.getByRole('heading', { name: 'Grace Hopper', level: 1 }).waitFor();
		await page.getByTestId('candidate-details').getByText('grace.hopper@example.com').waitFor();
		await page.getByTestId('candidate-tags').getByText('cobol').waitFor();

		// The same person again (same e-mail, other case): the API answers 409 with the match.
		await page.goto('/candidates/new');
		await page.getByLabel('Name', { exact: true }).fill('G. Hopper');
		await page.getByLabel('E-mail').fill('grace.hopper@example.com');
		await page.getByRole('button', { name: 'Create candidate' }).click();
		const warning = page.getByTestId('duplicate-warning');
		await warning.getByText('This candidate may already exist').waitFor();
		const match = warning.getByRole('link', { name: 'Grace Hopper' });
		await expect(match.getAttribute('href')).resolves.toBe(`/candidates/${firstId}`);
		expect(page.url()).toMatch(/\/candidates\/new$/);
		await screenshots(page, 'new-duplicate');

		await warning.getByRole('button', { name: 'Create anyway' }).click();
		await page.waitForURL(
			(url) => /\/candidates\/[0-9a-f-]{36}$/.test(url.pathname) && !url.pathname.endsWith(firstId ?? '')
		);
		await page.getByRole('heading', { name: 'G. Hopper', level: 1 }).waitFor();
		const banner = page.getByTestId('duplicate-banner');
		await banner.getByText('Possible duplicate').waitFor();
		await expect(banner.getByRole('link', { name: 'Grace Hopper' }).getAttribute('href')).resolves.toBe(
			`/candidates/${firstId}`
		);
		expect(posts).toEqual([
			'POST /api/v1/candidates',
			'POST /api/v1/candidates',
			'POST /api/v1/candidates?allow_duplicate=true'
		]);
		const list = await recruiter.get('/candidates?q=hopper');
		expect(list.body.data.items.map((c: { name: string }) => c.name).sort()).toEqual(['G. Hopper', 'Grace Hopper']);
		const duplicateUrl = page.url();

		// The duplicate is merged into the first one: its page then says where it went.
		await banner.getByRole('button', { name: 'Merge into Grace Hopper' }).click();
		await page.getByRole('alertdialog').getByRole('button', { name: 'Merge' }).click();
		await page.waitForURL(`**/candidates/${firstId}`);
		await page.getByRole('heading', { name: 'Grace Hopper', level: 1 }).waitFor();

		// A tag leads to the list filtered by it.
		await page.getByTestId('candidate-tags').getByRole('link', { name: 'cobol' }).click();
		await page.waitForURL(/\/candidates\?tag=cobol$/);
		await expect(page.getByLabel('Tag', { exact: true }).inputValue()).resolves.toBe('cobol');
		await expect(
			page
				.getByTestId('candidate-row')
				.evaluateAll((rows) => rows.map((r) => r.querySelector('a')?.textContent?.trim()))
		).resolves.toEqual(['Grace Hopper']);
		await page.goto(duplicateUrl);
		await page.getByTestId('merged-banner').getByRole('link', { name: 'Grace Hopper' }).waitFor();
		await expect(page.getByRole('button', { name: 'Edit details' }).count()).resolves.toBe(0);
		const after = await recruiter.get('/candidates?q=hopper');
		expect(after.body.data.items.map((c: { name: string }) => c.name)).toEqual(['Grace Hopper']);
		expect(browser.problems).toEqual([]);
	});

	it('shows a version conflict on the profile when someone else saved first', async () => {
		const { page } = browser;
		const created = await recruiter.post('/candidates', { name: 'Katherine Johnson', emails: ['kj@example.com'] });
		expect(created.status).toBe(201);
		const id: string = created.body.data.id;
		await page.goto(`/candidates/${id}`);
		await page.getByRole('button', { name: 'Edit details' }).click();
		// Someone else saves meanwhile.
		const other = await recruiter.patch(`/candidates/${id}`, { current_title: 'Mathematician', version: 1 });
		expect(other.status).toBe(200);
		await page.getByLabel('Location').fill('Hampton, VA');
		await page.getByRole('button', { name: 'Save changes' }).click();
		const conflict = page.getByTestId('version-conflict');
		await conflict.getByText('Someone else saved this candidate while you were editing').waitFor();
		await conflict.getByText('They changed: Current title').waitFor();
		await conflict.getByRole('button', { name: 'Keep my changes on top' }).click();
		await expect(page.getByLabel('Current title').inputValue()).resolves.toBe('Mathematician');
		await page.getByRole('button', { name: 'Save changes' }).click();
		await page.getByTestId('page-banner').getByText('Your changes were saved.').waitFor();
		const saved = await recruiter.get(`/candidates/${id}`);
		expect(saved.body.data).toMatchObject({ location: 'Hampton, VA', current_title: 'Mathematician', version: 3 });
		expect(browser.problems).toEqual([]);
	});

	it('finds a candidate by a word that is only in the CV uploaded on the profile', async () => {
		const { page } = browser;
		const created = await recruiter.post('/candidates', { name: 'Margaret Hamilton', emails: ['mh@example.com'] });
		const id: string = created.body.data.id;
		await page.goto(`/candidates/${id}`);
		const documents = page.getByTestId('candidate-documents');

		// A file whose content is not what its name says is refused (415), and the page says why.
		await page.getByLabel('File (PDF or Word, up to 10 MB)').setInputFiles({
			name: 'cv.pdf',
			mimeType: 'application/pdf',
			buffer: Buffer.from('this is plain text, not a PDF')
		});
		await documents.getByRole('button', { name: 'Upload' }).click();
		const message = page.getByTestId('upload-message');
		await message.waitFor();
		await expect(message.innerText()).resolves.toMatch(/PDF|Word|type|content/i);
		expect(await documents.getByTestId('document-row').count()).toBe(0);

		await page.getByLabel('File (PDF or Word, up to 10 MB)').setInputFiles({
			name: 'hamilton-cv.docx',
			mimeType: DOCX_MIME,
			buffer: Buffer.from(
				cvDocx('Margaret Hamilton\nLed the Apollo flight software team.\nSkills: quuxotronics, asynchronous executives')
			)
		});
		await documents.getByRole('button', { name: 'Upload' }).click();
		await page.getByTestId('upload-message').getByText('hamilton-cv.docx uploaded').waitFor();
		// The page follows the extraction job until the text is indexed.
		await documents.locator('[data-testid="document-row"][data-extraction="done"]').waitFor({ timeout: 30_000 });
		await documents.getByText('Searchable').waitFor();

		// A PDF is shown in the page, in a frame of its inline download.
		await page.getByLabel('Kind').selectOption('portfolio');
		await page.getByLabel('File (PDF or Word, up to 10 MB)').setInputFiles({
			name: 'portfolio.pdf',
			mimeType: 'application/pdf',
			buffer: Buffer.from(minimalPdf('Margaret Hamilton portfolio'))
		});
		await documents.getByRole('button', { name: 'Upload' }).click();
		await page.getByTestId('upload-message').getByText('portfolio.pdf uploaded').waitFor();
		const viewer = page.getByTestId('pdf-viewer');
		await viewer.waitFor();
		const src = await viewer.getAttribute('src');
		expect(src).toMatch(new RegExp(`^/api/v1/candidates/${id}/documents/[0-9a-f-]{36}\\?inline=1$`));
		const served = await page.evaluate(async (url) => {
			const response = await fetch(url);
			return {
				type: response.headers.get('content-type'),
				disposition: response.headers.get('content-disposition'),
				start: (await response.text()).slice(0, 5)
			};
		}, src ?? '');
		expect(served.type).toBe('application/pdf');
		expect(served.disposition).toMatch(/^inline;/);
		expect(served.start).toBe('%PDF-');
		await screenshots(page, 'profile');

		await page.goto('/candidates');
		await page.getByLabel('Search candidates').fill('quuxotronics');
		await page.getByLabel('Search candidates').press('Enter');
		await page.waitForURL(/q=quuxotronics/);
		const rows = page.getByTestId('candidate-row');
		await rows.first().getByRole('link', { name: 'Margaret Hamilton' }).waitFor();
		expect(await rows.count()).toBe(1);
		await expect(page.getByTestId('export-csv').getAttribute('href')).resolves.toBe(
			'/api/v1/candidates/export?q=quuxotronics'
		);
		// The export holds what the filters found, and nobody else.
		const exported = await page.evaluate(async () => (await fetch('/api/v1/candidates/export?q=quuxotronics')).text());
		const lines = exported.trim().split(/\r?\n/);
		expect(lines).toHaveLength(2);
		expect(lines[1]).toContain('Margaret Hamilton');
		await screenshots(page, 'list-search');
		expect(browser.problems).toEqual([]);
	});

	it('imports a CSV through the wizard and reports the bad rows by line and the duplicates', async () => {
		const { page } = browser;
		const existing = await recruiter.post('/candidates', { name: 'Dorothy Vaughan', emails: ['dorothy@example.com'] });
		expect(existing.status).toBe(201);
		// Six named rows, then 200 more so the job reports progress in several steps.
		const bulk = Array.from({ length: 200 }, (_, i) => `Bulk Person ${i},bulk${i}@example.com,,Tester,,`);
		const csv = [
			'Full Name,E-mail,Phone,Job Title,Skills,Notes',
			'Ada Lovelace,ada@example.com,,Analyst,maths;poetry,first',
			'Bad Mail,not-an-email,,Designer,,second',
			',noname@example.com,,Nobody,,third',
			'Dorothy V.,dorothy@example.com,,Supervisor,,fourth',
			'Mary Jackson,mary@example.com,,Engineer,aero,fifth',
			'Annie Easley,annie@example.com,,Programmer,,sixth',
			...bulk
		].join('\n');
		await page.goto('/candidates/import');
		await page.getByRole('heading', { name: 'Import candidates', level: 1 }).waitFor();
		await screenshots(page, 'import-choose');
		await page
			.getByLabel('CSV file')
			.setInputFiles({ name: 'people.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });

		const mapping = page.getByTestId('column-mapping');
		await mapping.getByText('6 columns, 206 rows').waitFor();
		// Guessed from the header names, editable.
		await expect(page.getByLabel('Full Name').inputValue()).resolves.toBe('name');
		await expect(page.getByLabel('E-mail').inputValue()).resolves.toBe('email');
		await expect(page.getByLabel('Job Title').inputValue()).resolves.toBe('title');
		await expect(page.getByLabel('Notes').inputValue()).resolves.toBe('ignore');
		await page.getByLabel('Skills').selectOption('tags');
		await screenshots(page, 'import-mapping');
		await mapping.getByRole('button', { name: 'Start import' }).click();

		const report = page.getByTestId('import-report');
		await report.waitFor({ timeout: 60_000 });
		await expect(page.getByTestId('import-imported').innerText()).resolves.toContain('203');
		await expect(page.getByTestId('import-total').innerText()).resolves.toContain('206');
		// The progress reached the page live (the event stream), not only by polling the job.
		const live = Number(await page.getByTestId('import-wizard').getAttribute('data-live-updates'));
		expect(live).toBeGreaterThan(0);
		const failed = page.getByTestId('import-failed-row');
		await expect(failed.evaluateAll((rows) => rows.map((r) => r.getAttribute('data-line')))).resolves.toEqual([
			'3',
			'4'
		]);
		await expect(failed.nth(0).innerText()).resolves.toContain('E-mail: Enter a valid e-mail address');
		const noName = await failed.nth(1).innerText();
		expect(noName).toContain('Name is required');
		expect(noName.toLowerCase()).not.toContain('name: name');
		const duplicates = page.getByTestId('import-duplicate-row');
		await expect(duplicates.evaluateAll((rows) => rows.map((r) => r.getAttribute('data-line')))).resolves.toEqual([
			'5'
		]);
		await expect(duplicates.getByRole('link', { name: 'Open' }).getAttribute('href')).resolves.toBe(
			`/candidates/${existing.body.data.id}`
		);
		await screenshots(page, 'import-report');

		const imported = await recruiter.get('/candidates?source=import');
		expect(imported.body.data.pagination.total_items).toBe(203);
		const named = await recruiter.get('/candidates?source=import&tag=maths');
		expect(named.body.data.items.map((c: { name: string }) => c.name)).toEqual(['Ada Lovelace']);
		const ada = named.body.data.items[0];
		expect(ada).toMatchObject({ current_title: 'Analyst', tags: ['maths', 'poetry'] });
		expect(browser.problems).toEqual([]);
	});

	it('shows new activity on the dashboard live, without a reload', async () => {
		const { page } = browser;
		await page.goto('/');
		const feed = page.getByTestId('activity-feed');
		await feed.locator('[data-testid="activity-live"][data-state="open"]').waitFor();
		await page.evaluate(() => ((window as unknown as { marker: string }).marker = 'same page'));

		const created = await recruiter.post('/candidates', { name: 'Hedy Lamarr', emails: ['hedy@example.com'] });
		expect(created.status).toBe(201);
		const item = feed.getByTestId('activity-item').filter({ hasText: 'Hedy Lamarr' });
		await item.waitFor({ timeout: 10_000 });
		await expect(item.getByRole('link', { name: 'Hedy Lamarr' }).getAttribute('href')).resolves.toBe(
			`/candidates/${created.body.data.id}`
		);
		await expect(item.innerText()).resolves.toContain('added as a candidate');
		// A note on her shows up the same way, first in the list.
		await recruiter.post(`/candidates/${created.body.data.id}/notes`, { body: 'Invented frequency hopping' });
		await feed.getByTestId('activity-item').first().getByText('Invented frequency hopping').waitFor();
		await expect(page.evaluate(() => (window as unknown as { marker?: string }).marker)).resolves.toBe('same page');
		await screenshots(page, 'dashboard');

		// On her profile the panel shows her activity only, live as well.
		await page.goto(`/candidates/${created.body.data.id}`);
		const panel = page.getByTestId('activity-feed');
		await panel.locator('[data-testid="activity-live"][data-state="open"]').waitFor();
		await panel.getByText('Invented frequency hopping').waitFor();
		await recruiter.post('/candidates', { name: 'Someone Else', emails: ['else@example.com'] });
		await recruiter.post(`/candidates/${created.body.data.id}/notes`, { body: 'Also an actress' });
		await panel.getByTestId('activity-item').first().getByText('Also an actress').waitFor();
		expect(await panel.getByText('Someone Else').count()).toBe(0);
		expect(await panel.getByTestId('activity-item').count()).toBe(3);
		expect(browser.problems).toEqual([]);
	});
});
