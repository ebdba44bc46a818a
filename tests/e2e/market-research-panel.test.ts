import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningProcess } from '../helpers/app';
import { launchBrowser, signIn, startAppForBrowser, type BrowserSession } from '../helpers/browser';
import { createUser, PASSWORD, registerAdmin } from '../helpers/org';

/**
 * The market research panel on the requirement page (issue 7, part 5): without Gemini, "Run
 * market research" starts the job, and the newest run appears — availability, competing
 * employers, typical titles and skills, marked as the heuristic with its sample size.
 */
describe('the market research panel on the requirement page', () => {
	let app: RunningProcess;
	let browser: BrowserSession;
	let requirementId: string;

	beforeAll(async () => {
		app = await startAppForBrowser();
		const admin = await registerAdmin(app.url);
		const manager = await createUser(app.url, admin.api, 'hiring_manager', 'Marie Curie');
		const recruiter = await createUser(app.url, admin.api, 'recruiter', 'Ada Lovelace');
		const department = await admin.api.post('/departments', { name: 'Platform' });
		const created = await manager.api.post('/requirements', {
			title: 'Backend Engineer',
			department_id: department.body.data.id,
			must_have_skills: ['Go']
		});
		expect(created.status, JSON.stringify(created.body)).toBe(201);
		requirementId = created.body.data.id;
		const people: Array<[string, string, string[]]> = [
			['Backend Engineer', 'Acme', ['Go', 'Postgres']],
			['Senior Backend Engineer', 'Acme', ['Go']],
			['Backend Engineer', 'Globex', ['Go', 'Kafka']],
			['Account Executive', 'Initech', ['Sales']]
		];
		for (const [i, [title, company, tags]] of people.entries()) {
			const res = await recruiter.api.post('/candidates', {
				name: `Person ${i + 1}`,
				emails: [`person${i + 1}@example.com`],
				current_title: title,
				current_company: company,
				tags
			});
			expect(res.status, JSON.stringify(res.body)).toBe(201);
		}
		browser = await launchBrowser({ baseURL: app.url });
		await signIn(browser.page, recruiter.email, PASSWORD);
	});

	afterAll(async () => {
		await browser?.close();
		await app?.stop();
	});

	it('runs the research as a job and shows the newest run with its source', async () => {
		const page = browser.page;
		await page.goto(`/requirements/${requirementId}`);
		const panel = page.getByTestId('market-research-card');
		await panel.getByText('No market research yet.').waitFor({ timeout: 15_000 });

		await panel.getByTestId('run-market-research').click();
		await panel.getByTestId('market-availability').waitFor({ timeout: 60_000 });
		await expect(panel.getByTestId('market-availability').innerText()).resolves.toBe('Limited');
		await expect(panel.getByTestId('market-employers').innerText()).resolves.toMatch(/Acme \(2\)\s*Globex \(1\)/);
		await expect(panel.getByTestId('market-titles').innerText()).resolves.toContain('Backend Engineer (2)');
		await expect(panel.getByTestId('market-skills').innerText()).resolves.toContain('go (3)');
		await expect(panel.getByTestId('market-skills').innerText()).resolves.not.toContain('sales');
		await expect(panel.getByTestId('market-source').innerText()).resolves.toMatch(
			/^Heuristic — from 3 of your own candidates/
		);
		await expect(panel.getByTestId('run-market-research').isEnabled()).resolves.toBe(true);
		await panel.screenshot({ path: 'test-results/market-research-panel.png' });

		// It is saved with the requirement: a fresh load shows the same run.
		await page.reload();
		await panel.getByTestId('market-availability').waitFor({ timeout: 15_000 });
		await expect(panel.getByTestId('market-source').innerText()).resolves.toMatch(/^Heuristic/);
		expect(browser.problems).toEqual([]);
	});
});
