import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiClient, type RunningProcess } from '../helpers/app';
import { launchBrowser, signIn, startAppForBrowser, type BrowserSession } from '../helpers/browser';
import { makeProfiles, startFakeCse, type FakeCse } from '../helpers/cse';
import { startFakeGemini, type FakeGemini } from '../helpers/gemini';
import { client, createOrg, openRequirement, type RunningApp } from '../helpers/hiring';
import { PASSWORD, registerAdmin } from '../helpers/org';
import { siteCandidates, startSmartRecruitersSite, type SmartRecruitersSite } from '../helpers/smartrecruiters-site';

/**
 * The admin integrations page (issue 7, part 9) and a requirement's sourcing page in Chromium:
 * secrets saved through the page come back masked (and are nowhere in the page), "Test
 * connection" makes real calls to local fakes (Gemini, Custom Search, a SmartRecruiters-like
 * site) and reports failures plainly; the X-ray search lists profiles that are added to the
 * pipeline; a SmartRecruiters import paused by a CAPTCHA shows why, and resumes from the page.
 */

const GEMINI_KEY = 'AIza-e2e-gemini-secret-1234';
const CSE_KEY = 'cse-e2e-secret-key-5678';
const SR_PASSWORD = 'sr-e2e-password-9012';

describe('integration settings and sourcing pages', () => {
	let gemini: FakeGemini;
	let cse: FakeCse;
	let site: SmartRecruitersSite;
	let app: RunningProcess;
	let browser: BrowserSession;
	let requirementId: string;

	beforeAll(async () => {
		gemini = await startFakeGemini((request) => ({ text: request.prompt.includes('single word OK') ? 'OK' : '?' }));
		cse = await startFakeCse({ key: CSE_KEY, cx: 'e2e:engine', profiles: makeProfiles(12) });
		site = await startSmartRecruitersSite({
			username: 'talent@acme.example',
			password: SR_PASSWORD,
			jobs: { 'acme-42': siteCandidates(5) }
		});
		app = await startAppForBrowser({
			GEMINI_BASE_URL: gemini.url,
			GEMINI_RETRY_BASE_MS: '50',
			GOOGLE_CSE_BASE_URL: `${cse.url}/customsearch/v1`,
			SMARTRECRUITERS_DELAY_MS: '50'
		});
		const admin = await registerAdmin(app.url);
		const login = await apiClient(app.url).post('/auth/login', { email: 'admin@example.com', password: PASSWORD });
		const token: string = login.body.data.token;
		const running = {
			url: app.url,
			admin: { api: client(app.url, token), id: admin.id, email: 'admin@example.com', name: 'Ada Admin', token }
		} as unknown as RunningApp;
		const org = await createOrg(running);
		requirementId = (
			await openRequirement(org, 'Senior Backend Engineer', {
				must_have_skills: ['Go', 'PostgreSQL'],
				location_city: 'Berlin',
				remote_policy: 'hybrid'
			})
		).id;
		browser = await launchBrowser({ baseURL: app.url });
		await signIn(browser.page, 'admin@example.com', PASSWORD);
	}, 240_000);

	afterAll(async () => {
		await browser?.close();
		await app?.stop();
		await Promise.all([gemini?.close(), cse?.close(), site?.close()]);
	});

	it('saves secrets masked and tests each connection for real', async () => {
		const page = browser.page;
		await page.goto('/admin');
		await page.getByRole('navigation', { name: 'Admin' }).getByRole('link', { name: 'Integrations' }).click();
		await page.getByRole('heading', { name: 'Integrations', level: 1 }).waitFor();

		// Gemini: not configured, the test says so; then a key is saved and shown masked.
		const geminiCard = page.locator('[data-testid="integration"][data-key="gemini"]');
		await expect(geminiCard.getByTestId('configured').innerText()).resolves.toContain('Not configured');
		await geminiCard.getByRole('button', { name: 'Test connection' }).click();
		await geminiCard.getByTestId('test-result').getByText('not configured yet').waitFor();
		await geminiCard.getByLabel('API key').fill(GEMINI_KEY);
		await geminiCard.getByRole('button', { name: 'Save' }).click();
		await geminiCard.getByText('Saved. Secrets are stored encrypted').waitFor();
		await geminiCard.getByTestId('configured').getByText('Configured', { exact: true }).waitFor();
		await expect(geminiCard.getByLabel('API key').inputValue()).resolves.toBe('');
		await expect(geminiCard.getByTestId('masked-api_key').innerText()).resolves.toContain('••••••••');
		await geminiCard.getByRole('button', { name: 'Test connection' }).click();
		const geminiResult = geminiCard.getByTestId('test-result');
		await geminiResult.getByText('Connection works').waitFor();
		await expect(geminiResult.innerText()).resolves.toContain('Gemini answered with model gemini-2.5-flash');
		expect(gemini.requests.at(-1)?.apiKey).toBe(GEMINI_KEY);

		// Custom Search: a wrong key fails plainly (without echoing the key), the right one works.
		const cseCard = page.locator('[data-testid="integration"][data-key="google_cse"]');
		await cseCard.getByLabel('API key').fill('wrong-key-0000');
		await cseCard.getByLabel('Search engine id (cx)').fill('e2e:engine');
		await cseCard.getByRole('button', { name: 'Save' }).click();
		await cseCard.getByText('Saved.').waitFor();
		await cseCard.getByRole('button', { name: 'Test connection' }).click();
		await cseCard.getByTestId('test-result').getByText('Connection failed').waitFor();
		const failed = await cseCard.getByTestId('test-result').innerText();
		expect(failed).toContain('API key not valid');
		expect(failed).not.toContain('wrong-key-0000');
		await expect(cseCard.getByTestId('test-result').getAttribute('data-ok')).resolves.toBe('false');
		await cseCard.getByLabel('API key').fill(CSE_KEY);
		await cseCard.getByRole('button', { name: 'Save' }).click();
		await cseCard.getByText('Saved.').waitFor();
		await cseCard.getByRole('button', { name: 'Test connection' }).click();
		await cseCard.getByTestId('test-result').getByText('Connection works').waitFor();
		await expect(cseCard.getByLabel('Search engine id (cx)').inputValue()).resolves.toBe('e2e:engine');

		// SmartRecruiters: Chromium signs in to the local site.
		const srCard = page.locator('[data-testid="integration"][data-key="smartrecruiters"]');
		await srCard.getByLabel('Address').fill(site.url);
		await srCard.getByLabel('User (e-mail)').fill(site.username);
		await srCard.getByLabel('Password').fill(SR_PASSWORD);
		await srCard.getByRole('button', { name: 'Save' }).click();
		await srCard.getByText('Saved.').waitFor();
		await srCard.getByRole('button', { name: 'Test connection' }).click();
		await srCard.getByTestId('test-result').getByText('Signed in to SmartRecruiters as talent@acme.example').waitFor({
			timeout: 60_000
		});

		// After a reload, nothing secret is in the page; masked markers are.
		await page.reload();
		await page.getByRole('heading', { name: 'Integrations', level: 1 }).waitFor();
		const html = await page.content();
		for (const secret of [GEMINI_KEY, CSE_KEY, SR_PASSWORD]) expect(html.includes(secret)).toBe(false);
		await expect(page.getByText('Stored: ••••••••').count()).resolves.toBe(3);
		await page.screenshot({ path: '/tmp/sourcing-admin-integrations-1280.png', fullPage: true });
		expect(browser.problems).toEqual([]);
	});

	it('searches LinkedIn by X-ray, adds a profile, and runs a SmartRecruiters import through a CAPTCHA', async () => {
		const page = browser.page;
		await page.goto(`/requirements/${requirementId}`);
		await page.getByRole('link', { name: 'Sourcing' }).click();
		await page.getByRole('heading', { name: 'Sourcing', level: 1 }).waitFor();
		const query = page.getByLabel('Google query');
		await expect(query.inputValue()).resolves.toMatch(/^site:linkedin\.com\/in \("Senior Backend Engineer" OR/);

		await page.getByRole('button', { name: 'Search' }).click();
		await page.getByTestId('xray-message').getByText('10 profiles found: 10 new').waitFor();
		await expect.poll(() => page.getByTestId('result').count()).toBe(10);
		// Two connection tests and this search: each query counts against the day's quota.
		await expect(page.getByTestId('quota').innerText()).resolves.toBe('3 of 100 queries used today');
		const first = page.locator('[data-testid="result"][data-name="Person 1 Example"]');
		await expect(first.innerText()).resolves.toContain('Senior Backend Engineer - Company 1');
		await first.getByRole('button', { name: 'Add to pipeline' }).click();
		await first.getByText('In the pipeline').waitFor();
		await first.getByRole('link', { name: 'Open candidate' }).waitFor();

		// SmartRecruiters: a CAPTCHA after two profiles pauses the import with a message.
		site.triggerCaptcha(2);
		await page.getByLabel('SmartRecruiters job id').fill('acme-42');
		await page.getByRole('button', { name: 'Start import' }).click();
		const run = page.getByTestId('run').first();
		await page.locator('[data-testid="run"][data-status="paused"]').waitFor({ timeout: 90_000 });
		await expect(run.getByTestId('pause-reason').innerText()).resolves.toMatch(/CAPTCHA/);
		await expect(run.innerText()).resolves.toContain('2 imported');
		await page.screenshot({ path: '/tmp/sourcing-page-paused-1280.png', fullPage: true });

		site.clearCaptcha();
		await run.getByRole('button', { name: 'Resume' }).click();
		await page.locator('[data-testid="run"][data-status="completed"]').waitFor({ timeout: 90_000 });
		await expect(run.innerText()).resolves.toContain('5 imported');
		expect([...site.profileViews.values()].every((n) => n === 1)).toBe(true);
		await page
			.locator('[data-testid="result"]')
			.filter({ hasText: 'SmartRecruiters' })
			.first()
			.waitFor({ timeout: 30_000 });
		await page.screenshot({ path: '/tmp/sourcing-page-1280.png', fullPage: true });
		expect(browser.problems).toEqual([]);
	});
});
