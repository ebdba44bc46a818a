import { execFileSync } from 'node:child_process';
import { mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { freePort, startSmtpServer, waitFor } from '../helpers/app';
import { DESKTOP, horizontalExtent, launchBrowser, PHONE, signIn, type BrowserSession } from '../helpers/browser';
import {
	addApplication,
	createCandidate,
	createMember,
	createOrg,
	openRequirement,
	startApp,
	type Member,
	type Org,
	type RunningApp
} from '../helpers/hiring';
import { mimeParts } from '../helpers/mail';
import { PASSWORD } from '../helpers/org';

const CANDIDATE = 'Grace Hopper';
const CANDIDATE_EMAIL = 'grace.hopper@example.net';

/** Screenshots of a page at desktop and phone width; the page must not scroll sideways on a phone. */
async function shoot(page: Page, name: string) {
	await page.setViewportSize(DESKTOP);
	await page.screenshot({ path: `/tmp/offers-${name}-1280.png`, fullPage: true });
	await page.setViewportSize(PHONE);
	await page.waitForTimeout(100); // one frame for the layout to settle
	await page.screenshot({ path: `/tmp/offers-${name}-375.png`, fullPage: true });
	const extent = await horizontalExtent(page);
	expect(extent.scrollWidth, `${name} scrolls sideways on a phone`).toBeLessThanOrEqual(extent.innerWidth);
	await page.setViewportSize(DESKTOP);
}

/**
 * The offer pages (issue 5) in Chromium against the built app: a recruiter drafts an offer above
 * the level's band, a conflicting edit is shown as a 409, the chain runs through the extra
 * (above-band) step with each approver deciding on the offer page, the recruiter extends it and
 * sees the letter rendered, the candidate opens the e-mailed link with no login, a tampered link
 * is refused, and accepting hires the candidate. An admin builds a scorecard template.
 */
describe('offer pages and scorecard templates', () => {
	let smtp: Awaited<ReturnType<typeof startSmtpServer>>;
	let running: RunningApp;
	let org: Org;
	let finance: Member;
	let requirementId: string;
	let applicationId: string;
	let staff: BrowserSession;
	let approverBrowser: BrowserSession;

	beforeAll(async () => {
		smtp = await startSmtpServer();
		const port = await freePort();
		running = await startApp('pglite', {
			PORT: String(port),
			ORIGIN: `http://127.0.0.1:${port}`,
			SMTP_URL: smtp.url,
			ORG_NAME: 'Acme Robotics'
		});
		org = await createOrg(running);
		finance = await createMember(running, 'approver', 'Fiona Finance');
		const level = await org.admin.api.post('/job-levels', {
			name: 'Senior',
			rank: 3,
			salary_min: 80_000,
			salary_max: 100_000,
			currency: 'EUR'
		});
		expect(level.status, JSON.stringify(level.body)).toBe(201);
		const workflow = await org.admin.api.post('/approval-workflows', {
			name: 'Above band offers',
			subject_type: 'offer',
			above_band_only: true,
			steps: [
				{ name: 'Approval', approvers: [{ type: 'user', userId: org.approver.id }], rule: 'any' },
				{ name: 'Finance', approvers: [{ type: 'user', userId: finance.id }], rule: 'all' }
			]
		});
		expect(workflow.status, JSON.stringify(workflow.body)).toBe(201);
		requirementId = (
			await openRequirement(org, 'Robotics Engineer', { job_level_id: level.body.data.id, headcount: 1 })
		).id;
		const candidate = await createCandidate(org.recruiter, { name: CANDIDATE, emails: [CANDIDATE_EMAIL] });
		applicationId = (await addApplication(org.recruiter, requirementId, candidate.id)).id;
		[staff, approverBrowser] = await Promise.all([
			launchBrowser({ baseURL: running.url }),
			launchBrowser({ baseURL: running.url })
		]);
	});

	afterAll(async () => {
		await Promise.all([staff?.close(), approverBrowser?.close()]);
		await running?.close();
		await smtp?.close();
	});

	it('drafts above the band, shows a conflict, goes through the extra step, extends with a PDF letter, and the candidate accepts', async () => {
		const page = staff.page;
		await signIn(page, org.recruiter.email, PASSWORD);

		// The form for the application, with the level's band beside the salary.
		await page.goto(`/offers/new?application=${applicationId}`);
		await page.getByRole('heading', { name: 'New offer', level: 1 }).waitFor();
		await page.getByText(`To ${CANDIDATE} for Robotics Engineer`).waitFor();
		const band = page.getByTestId('offer-band');
		await band.getByText('Band of Senior').waitFor();
		await band.getByText('€80,000 – €100,000').waitFor();
		await expect(page.getByLabel('Currency').inputValue()).resolves.toBe('EUR');

		// Field errors come from the schema before anything is sent.
		await page.getByRole('button', { name: 'Create draft offer' }).click();
		await page.getByText('Base salary is required').waitFor();
		await expect(page.getByLabel('Base salary (yearly)').getAttribute('aria-invalid')).resolves.toBe('true');

		await page.getByLabel('Base salary (yearly)').fill('120,000');
		await band.getByTestId('above-band').getByText('by €20,000').waitFor();
		await page.getByLabel('Bonus (yearly, optional)').fill('5000');
		await page.getByLabel('Equity (optional)').fill('0.05% over 4 years');
		await page.getByLabel('Start date').fill('2030-02-01');
		await page.getByLabel('Offer expires').fill('2030-03-01');
		await page.getByLabel('Contract').selectOption({ label: 'Permanent' });
		await page.getByRole('button', { name: 'Create draft offer' }).click();
		// The server's rule: the offer must expire before the start date.
		await page.getByText('The offer must expire before the start date').waitFor();
		await page.getByLabel('Offer expires').fill('2029-12-31');
		await shoot(page, 'new');
		await page.getByRole('button', { name: 'Create draft offer' }).click();

		await page.waitForURL(/\/offers\/[0-9a-f-]{36}$/);
		const offerId = new URL(page.url()).pathname.split('/').pop()!;
		await page.getByTestId('offer-banner').getByText('Draft offer saved').waitFor();
		await expect(page.getByTestId('offer-status').innerText()).resolves.toContain('Draft');
		await page.getByTestId('offer-above-band').waitFor();
		await expect(page.getByTestId('offer-salary').innerText()).resolves.toBe('€120,000');

		// A conflicting edit: someone saves while the form is open → 409, shown side by side.
		await page.getByRole('button', { name: 'Edit terms' }).click();
		await page.getByLabel('Bonus (yearly, optional)').fill('7000');
		const current = await org.recruiter.api.get(`/offers/${offerId}`);
		const theirs = await org.recruiter.api.patch(`/offers/${offerId}`, {
			bonus: 6_000,
			version: current.body.data.version
		});
		expect(theirs.status, JSON.stringify(theirs.body)).toBe(200);
		await page.getByRole('button', { name: 'Save changes' }).click();
		const conflict = page.getByTestId('offer-conflict');
		await conflict.getByText('Someone else changed this offer while you were editing it').waitFor();
		const bonusRow = conflict.getByRole('row', { name: /Bonus/ });
		await bonusRow.getByText('€6,000').waitFor();
		await bonusRow.getByText('€7,000').waitFor();
		await page.screenshot({ path: '/tmp/offers-conflict-1280.png', fullPage: true });
		await conflict.getByRole('button', { name: 'Save mine over theirs' }).click();
		await page.getByTestId('offer-banner').getByText('Your changes were saved.').waitFor();
		expect((await org.recruiter.api.get(`/offers/${offerId}`)).body.data.bonus).toBe(7_000);

		// Submitting runs the above-band workflow: two steps, Finance waits for the first.
		await page.getByRole('button', { name: 'Submit for approval' }).click();
		await page.getByTestId('offer-banner').getByText('Submitted').waitFor();
		await expect.poll(() => page.getByTestId('offer-status').innerText()).toContain('Pending approval');
		const steps = page.getByTestId('offer-approval').getByTestId('approval-step');
		await expect.poll(() => steps.count()).toBe(2);
		await expect(steps.nth(0).getAttribute('data-state')).resolves.toBe('open');
		await expect(steps.nth(1).getAttribute('data-state')).resolves.toBe('waiting');
		await expect(page.getByTestId('offer-my-approval').count()).resolves.toBe(0);

		// Each approver decides on the offer page.
		const decide = async (who: Member, step: string) => {
			const approver = approverBrowser.page;
			await approverBrowser.context.clearCookies();
			await signIn(approver, who.email, PASSWORD);
			await approver.goto(`/offers/${offerId}`);
			const mine = approver.getByTestId('offer-my-approval');
			await mine.getByText(`“${step}”`).waitFor({ timeout: 15_000 });
			await mine.getByRole('button', { name: 'Approve' }).click();
			const dialog = approver.getByRole('dialog', { name: `Approve: Offer to ${CANDIDATE}` });
			await dialog.getByLabel('Comment (optional)').fill(`${step}: fine by me.`);
			await dialog.getByRole('button', { name: 'Approve', exact: true }).click();
			await dialog.waitFor({ state: 'detached' });
			return approver;
		};
		const amir = await decide(org.approver, 'Approval');
		await amir.getByTestId('offer-banner').getByText('The next step’s approvers were asked.').waitFor();
		await amir.getByTestId('offer-approval').getByText('Approval: fine by me.').waitFor();
		await shoot(amir, 'approver');
		const fiona = await decide(finance, 'Finance');
		await fiona.getByTestId('offer-banner').getByText('That was the last step: the offer is approved.').waitFor();
		await expect.poll(() => fiona.getByTestId('offer-status').innerText()).toContain('Approved');

		// The recruiter's open page catches up (a notification about the offer refetches it).
		await expect.poll(() => page.getByTestId('offer-status').innerText(), { timeout: 20_000 }).toContain('Approved');
		await page.getByRole('button', { name: 'Extend to the candidate' }).click();
		await page.getByTestId('offer-banner').getByText('Extended').waitFor();
		const letterCard = page.getByTestId('offer-letter');
		await letterCard.waitFor();
		const letterLink = page.getByTestId('offer-letter-link');
		await letterLink.waitFor({ timeout: 90_000 });
		await expect(letterLink.getAttribute('href')).resolves.toBe(`/api/v1/offers/${offerId}/letter`);
		await expect(page.getByTestId('offer-status').innerText()).resolves.toContain('Extended');
		await shoot(page, 'detail');

		// The letter as the page links it: a PDF with the candidate's name and salary.
		const pdf = await staff.context.request.get(`/api/v1/offers/${offerId}/letter`);
		expect(pdf.status()).toBe(200);
		expect(pdf.headers()['content-type']).toBe('application/pdf');
		const dir = mkdtempSync(path.join(tmpdir(), 'offers-letter-'));
		const pdfPath = path.join(dir, 'letter.pdf');
		writeFileSync(pdfPath, await pdf.body());
		execFileSync('pdftoppm', ['-png', '-r', '60', '-f', '1', '-l', '1', pdfPath, '/tmp/offers-letter']);
		expect(statSync('/tmp/offers-letter-1.png').size).toBeGreaterThan(4_000);
		const letterText = execFileSync('pdftotext', ['-layout', pdfPath, '-']).toString('utf8');
		expect(letterText).toContain(CANDIDATE);
		expect(letterText).toContain('€120,000');

		// The candidate's e-mail carries the signed link.
		const mail = await waitFor(() => smtp.messages.find((m) => m.to.includes(CANDIDATE_EMAIL)), {
			timeoutMs: 60_000,
			message: 'the offer e-mail'
		});
		const link = /Review and respond: (\S+)/.exec(mimeParts(mail.raw)['text/plain'])?.[1];
		expect(link).toBeTruthy();
		const offerUrl = new URL(link!);
		expect(offerUrl.origin).toBe(running.url);

		// A fresh browser with no session: a tampered link is refused on the page…
		const candidate = await launchBrowser({ baseURL: running.url });
		try {
			const cp = candidate.page;
			const [id, expires, nonce, signature] = decodeURIComponent(offerUrl.pathname.slice('/offer/'.length)).split('.');
			const flipped = (signature[0] === 'a' ? 'b' : 'a') + signature.slice(1);
			await cp.goto(`/offer/${[id, expires, nonce, flipped].join('.')}`);
			await cp.getByTestId('offer-invalid').getByText('This link is not valid: it was changed.').waitFor();
			await expect(cp.getByRole('button', { name: 'Accept the offer' }).count()).resolves.toBe(0);
			await expect(cp.getByRole('navigation', { name: 'Main' }).count()).resolves.toBe(0);
			await shoot(cp, 'tampered');

			// …the real one shows the terms, without the app around it, and accepting hires.
			await cp.goto(offerUrl.pathname);
			await cp.getByRole('heading', { name: 'Congratulations, Grace!' }).waitFor();
			await expect(cp.getByTestId('offer-salary').innerText()).resolves.toContain('€120,000');
			await cp.getByText('0.05% over 4 years').waitFor();
			await cp.getByRole('link', { name: 'Read the offer letter (PDF)' }).waitFor();
			await expect(cp.getByRole('navigation', { name: 'Main' }).count()).resolves.toBe(0);
			await shoot(cp, 'public');
			await cp.getByRole('button', { name: 'Accept the offer' }).click();
			await cp.getByTestId('offer-status').getByText('You accepted the offer. Welcome aboard!').waitFor();
			await shoot(cp, 'accepted');
			expect(candidate.problems).toEqual([]);
		} finally {
			await candidate.close();
		}

		const application = await org.recruiter.api.get(`/applications/${applicationId}`);
		expect(application.body.data.stage).toBe('hired');
		expect((await org.recruiter.api.get(`/requirements/${requirementId}`)).body.data.status).toBe('filled');

		// The recruiter's page shows the outcome and the whole way in its history.
		await page.reload();
		await expect(page.getByTestId('offer-status').innerText()).resolves.toContain('Accepted');
		const history = page.getByTestId('offer-history');
		for (const entry of [
			'Drafted',
			'Submitted for approval',
			'Round 1 approved',
			'Extended: the letter and link were e-mailed to the candidate',
			'Accepted by the candidate'
		]) {
			await history.getByText(entry).waitFor();
		}
		await expect(page.getByRole('button', { name: 'Withdraw' }).count()).resolves.toBe(0);

		// The list, filtered by status.
		await page.goto('/offers');
		await page.getByTestId('offer-row').filter({ hasText: CANDIDATE }).waitFor();
		await page.getByLabel('Status').selectOption({ label: 'Draft' });
		await page.waitForURL(/status=draft/);
		await page.getByText('No offers match').waitFor();
		await page.getByLabel('Status').selectOption({ label: 'Accepted' });
		await page.waitForURL(/status=accepted/);
		await page.getByTestId('offer-row').filter({ hasText: CANDIDATE }).waitFor();
		await shoot(page, 'list');
		expect(staff.problems).toEqual([]);
		expect(approverBrowser.problems).toEqual([]);
	});

	it('lets an admin build a scorecard template that the API then lists', async () => {
		const page = approverBrowser.page;
		await approverBrowser.context.clearCookies();
		await signIn(page, org.admin.email, PASSWORD);
		await page.goto('/admin');
		await page.getByRole('navigation', { name: 'Admin' }).getByRole('link', { name: 'Scorecard templates' }).click();
		await page.getByRole('heading', { name: 'Scorecard templates', level: 1 }).waitFor();
		await page.getByRole('link', { name: 'New template' }).click();
		await page.getByRole('heading', { name: 'New scorecard template', level: 1 }).waitFor();

		// Refused while incomplete: the name and the competency are named as missing.
		await page.getByRole('button', { name: 'Create template' }).click();
		await page.getByText('Name is required').waitFor();
		await page.getByText('Give the section a title').waitFor();
		await page.getByText('Name the competency').waitFor();

		await page.getByLabel('Template name').fill('Backend engineering');
		await page.getByLabel('Description (optional)').fill('For the technical interview of backend roles.');
		await page.getByLabel('Section 1 title').fill('Technical skills');
		const competencies = page.getByTestId('template-competency');
		await competencies.nth(0).getByLabel('Competency', { exact: true }).fill('System design');
		await competencies.nth(0).getByLabel('What to look for').fill('Sensible trade-offs, failure modes, scale.');
		await page.getByRole('button', { name: 'Add a competency' }).click();
		await competencies.nth(1).getByLabel('Competency', { exact: true }).fill('Code quality');
		await competencies.nth(1).getByLabel('What to look for').fill('Readable, tested, small steps.');
		await page.getByRole('button', { name: 'Add a section' }).click();
		await page.getByLabel('Section 2 title').fill('Collaboration');
		await competencies.nth(2).getByLabel('Competency', { exact: true }).fill('Communication');
		await page.getByLabel('Label of rating 4').fill('Outstanding');
		await page.getByTestId('recommendation-scale').getByText('Strong yes').waitFor();
		await shoot(page, 'template-editor');
		await page.getByRole('button', { name: 'Create template' }).click();

		await page.waitForURL((url) => url.pathname === '/admin/scorecard-templates');
		await page.getByTestId('templates-banner').getByText('“Backend engineering” was saved.').waitFor();
		const item = page.getByTestId('template-item').filter({ hasText: 'Backend engineering' });
		await item.getByText('2 sections · 3 competencies').waitFor();
		await shoot(page, 'templates');

		const listed = await org.recruiter.api.get('/scorecard-templates');
		expect(listed.status).toBe(200);
		const template = (listed.body.data.items as Array<Record<string, any>>).find(
			(t) => t.name === 'Backend engineering'
		);
		expect(template).toBeTruthy();
		expect(template!.description).toBe('For the technical interview of backend roles.');
		expect(template!.sections).toEqual([
			{
				title: 'Technical skills',
				competencies: [
					{ key: 'system_design', name: 'System design', description: 'Sensible trade-offs, failure modes, scale.' },
					{ key: 'code_quality', name: 'Code quality', description: 'Readable, tested, small steps.' }
				]
			},
			{ title: 'Collaboration', competencies: [{ key: 'communication', name: 'Communication', description: '' }] }
		]);
		expect(template!.rating_scale.map((l: { value: number; label: string }) => [l.value, l.label])).toEqual([
			[1, 'Strong concerns'],
			[2, 'Some concerns'],
			[3, 'Meets the bar'],
			[4, 'Outstanding']
		]);

		// Editing keeps the competency keys (feedback refers to them) and bumps the version.
		await item.getByRole('link', { name: 'Backend engineering' }).click();
		await page.getByRole('heading', { name: 'Backend engineering', level: 1 }).waitFor();
		await page
			.getByTestId('template-competency')
			.nth(0)
			.getByLabel('Competency', { exact: true })
			.fill('Systems design');
		await page.getByRole('button', { name: 'Save template' }).click();
		await page.waitForURL((url) => url.pathname === '/admin/scorecard-templates');
		const after = await org.admin.api.get(`/scorecard-templates/${template!.id}`);
		expect(after.body.data.version).toBe(template!.version + 1);
		expect(after.body.data.sections[0].competencies[0]).toMatchObject({ key: 'system_design', name: 'Systems design' });
		expect(approverBrowser.problems).toEqual([]);
	});
	it('lets the candidate decline with a reason, which the team then reads on the offer page', async () => {
		const candidate = await createCandidate(org.recruiter, { name: 'Dana Decline', emails: ['dana@example.net'] });
		// The first requirement is filled by now: another one, with no job level (so no band).
		const second = await openRequirement(org, 'Controls Engineer');
		const application = await addApplication(org.recruiter, second.id, candidate.id);
		const draft = await org.recruiter.api.post('/offers', {
			application_id: application.id,
			base_salary: 90_000,
			currency: 'EUR',
			start_date: '2030-02-01',
			expiry_date: '2029-12-31',
			contract_type: 'fixed_term'
		});
		expect(draft.status, JSON.stringify(draft.body)).toBe(201);
		const offerId: string = draft.body.data.id;
		expect((await org.recruiter.api.post(`/offers/${offerId}/submit`, {})).status).toBe(200);
		const pending = await org.approver.api.get('/approvals/pending');
		const mine = (pending.body.data.items as Array<{ id: string; subject_id: string }>).filter(
			(a) => a.subject_id === offerId
		);
		expect(mine).toHaveLength(1); // within the band: the default workflow, one step
		expect((await org.approver.api.post(`/approvals/${mine[0].id}/approve`, {})).status).toBe(200);
		expect((await org.recruiter.api.post(`/offers/${offerId}/extend`, {})).status).toBe(200);
		const mail = await waitFor(() => smtp.messages.find((m) => m.to.includes('dana@example.net')), {
			timeoutMs: 60_000,
			message: 'the offer e-mail to Dana'
		});
		const link = /Review and respond: (\S+)/.exec(mimeParts(mail.raw)['text/plain'])?.[1];
		expect(link).toBeTruthy();

		const browser = await launchBrowser({ baseURL: running.url, viewport: PHONE });
		try {
			const cp = browser.page;
			await cp.goto(new URL(link!).pathname);
			await cp.getByRole('heading', { name: 'Congratulations, Dana!' }).waitFor();
			await cp.getByText('Fixed term').waitFor();
			await cp.getByRole('button', { name: 'Decline…' }).click();
			await cp.getByLabel('Would you tell us why? (optional)').fill('I accepted another offer closer to home.');
			await cp.getByRole('button', { name: 'Decline the offer' }).click();
			await cp.getByTestId('offer-status').getByText('You declined the offer.').waitFor();
			expect(browser.problems).toEqual([]);
		} finally {
			await browser.close();
		}

		const offer = await org.recruiter.api.get(`/offers/${offerId}`);
		expect(offer.body.data).toMatchObject({
			status: 'declined',
			decline_reason: 'I accepted another offer closer to home.'
		});
		const page = staff.page;
		await page.goto(`/offers/${offerId}`);
		await expect(page.getByTestId('offer-status').innerText()).resolves.toContain('Declined');
		await page.getByTestId('offer-terms').getByText('I accepted another offer closer to home.').waitFor();
		await page.getByTestId('offer-history').getByText('Declined by the candidate').waitFor();
		expect(staff.problems).toEqual([]);
	});
});
