import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { freePort } from '../helpers/app';
import { DESKTOP, launchBrowser, PHONE, signIn, type BrowserSession } from '../helpers/browser';
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
import { competencyKeys, generalTemplate, hoursFromNow, type TemplateView } from '../helpers/interviews';
import { PASSWORD } from '../helpers/org';

/**
 * The interview pages in Chromium (issue 5): three panelists co-write the shared notes at the same
 * time; a panelist's ratings stay out of another's page until that one submitted their own (then
 * they show); scheduling through the page creates the interview and warns about a double-booked
 * panelist; the debrief shows the submitted cards. Screenshots at 1280 and 375 px in /tmp.
 */

const editorOf = (page: Page) => page.getByTestId('collab-editor');

/** The notes' paragraphs, one a line, without the other people's caret widgets. */
function notesText(page: Page): Promise<string> {
	return editorOf(page).evaluate((element) => {
		const copy = element.cloneNode(true) as HTMLElement;
		copy.querySelectorAll('.collaboration-carets__caret').forEach((caret) => caret.remove());
		return Array.from(copy.querySelectorAll('p'), (p) => p.textContent ?? '').join('\n');
	});
}

/** Puts the caret at the end of the paragraph that starts with `prefix`. */
async function caretAfter(page: Page, prefix: string) {
	await editorOf(page).click();
	await editorOf(page).evaluate((element, start) => {
		const paragraph = Array.from(element.querySelectorAll('p')).find((p) => {
			const copy = p.cloneNode(true) as HTMLElement;
			copy.querySelectorAll('.collaboration-carets__caret').forEach((c) => c.remove());
			return (copy.textContent ?? '').startsWith(start);
		});
		if (!paragraph) throw new Error(`no paragraph starts with ${start}`);
		const walker = document.createTreeWalker(paragraph, NodeFilter.SHOW_TEXT, {
			acceptNode: (node) =>
				node.parentElement?.closest('.collaboration-carets__caret')
					? NodeFilter.FILTER_REJECT
					: NodeFilter.FILTER_ACCEPT
		});
		let last: Node | null = null;
		for (let node = walker.nextNode(); node; node = walker.nextNode()) last = node;
		const range = document.createRange();
		range.setStart(last!, last!.textContent?.length ?? 0);
		range.collapse(true);
		window.getSelection()?.removeAllRanges();
		window.getSelection()?.addRange(range);
	}, prefix);
	// ProseMirror reads the DOM selection on `selectionchange`, which fires asynchronously.
	await page.waitForTimeout(100);
}

async function notesLive(page: Page) {
	await page
		.locator('[data-testid="collab-status"][data-synced="true"]')
		.getByText(/^\s*Live/)
		.waitFor({ timeout: 30_000 });
}

async function scorecardLive(page: Page) {
	await page.locator('[data-testid="my-scorecard"][data-live="true"]').waitFor({ timeout: 30_000 });
}

/** Rates every competency, writes evidence and picks a recommendation — in the page. */
async function fillScorecard(page: Page, template: TemplateView, rating: number, evidence: string) {
	for (const key of competencyKeys(template)) {
		const competency = page.getByTestId(`competency-${key}`);
		await competency
			.locator('label')
			.filter({ has: page.locator(`input[value="${rating}"]`) })
			.click();
		await competency.locator('textarea').fill(`${evidence} (${key})`);
	}
	await page
		.getByTestId('my-scorecard')
		.locator('label')
		.filter({ has: page.locator('input[name="recommendation"][value="yes"]') })
		.click();
}

async function shoot(page: Page, name: string) {
	await page.screenshot({ path: `/tmp/interviews-${name}.png`, fullPage: true });
}

describe('the interview room, the scheduling page and the debrief', () => {
	let running: RunningApp;
	let org: Org;
	let bo: Member;
	let cy: Member;
	let template: TemplateView;
	let requirementId: string;
	let applicationId: string;
	let secondApplicationId: string;
	let secondCandidateId: string;
	let interviewId: string;
	const browsers: BrowserSession[] = [];
	let ivanPage: Page;
	let boPage: Page;
	let cyPage: Page;
	let adminPage: Page;
	let scheduledId: string;

	beforeAll(async () => {
		const port = await freePort();
		running = await startApp('pglite', { PORT: String(port), ORIGIN: `http://127.0.0.1:${port}` });
		org = await createOrg(running);
		bo = await createMember(running, 'interviewer', 'Bo Panel');
		cy = await createMember(running, 'interviewer', 'Cy Panel');
		template = await generalTemplate(org.admin);
		requirementId = (await openRequirement(org, 'Platform Engineer')).id;
		const candidate = await createCandidate(org.recruiter, {
			name: 'Grace Hopper',
			current_title: 'Compiler engineer'
		});
		applicationId = (await addApplication(org.recruiter, requirementId, candidate.id)).id;
		const second = await createCandidate(org.recruiter, { name: 'Alan Kay' });
		secondCandidateId = second.id;
		secondApplicationId = (await addApplication(org.recruiter, requirementId, second.id)).id;

		// Yesterday's interview: its feedback is overdue.
		const scheduled = await org.recruiter.api.post('/interviews', {
			application_id: applicationId,
			type: 'technical',
			starts_at: hoursFromNow(-30),
			ends_at: hoursFromNow(-29),
			time_zone: 'Europe/Berlin',
			video_link: 'https://meet.example.com/grace',
			panel: [{ user_id: org.interviewer.id, is_lead: true }, { user_id: bo.id }, { user_id: cy.id }]
		});
		expect(scheduled.status, JSON.stringify(scheduled.body)).toBe(201);
		interviewId = scheduled.body.data.interview.id;

		for (const who of [org.interviewer, bo, cy]) {
			const session = await launchBrowser({ baseURL: running.url });
			browsers.push(session);
			await signIn(session.page, who.email, PASSWORD);
		}
		[ivanPage, boPage, cyPage] = browsers.map((b) => b.page);
	});

	afterAll(async () => {
		await Promise.all(browsers.map((b) => b.close()));
		await running?.close();
	});

	it('three panelists type into the shared notes at the same time and all end with the same text', async () => {
		const pages = [ivanPage, boPage, cyPage];
		await Promise.all(pages.map((p) => p.goto(`/interviews/${interviewId}`)));
		await Promise.all(pages.map((p) => notesLive(p)));

		// One line per panelist, then everyone writes on their own line at once.
		await editorOf(ivanPage).click();
		await ivanPage.keyboard.type('Ivan:');
		await ivanPage.keyboard.press('Enter');
		await ivanPage.keyboard.type('Bo:');
		await ivanPage.keyboard.press('Enter');
		await ivanPage.keyboard.type('Cy:');
		for (const p of pages) await expect.poll(() => notesText(p), { timeout: 15_000 }).toBe('Ivan:\nBo:\nCy:');

		const lines = {
			ivan: ' asked about the garbage collector design.',
			bo: ' she explained the tokenizer with a clear example.',
			cy: ' follow up on the testing strategy next round.'
		};
		await caretAfter(ivanPage, 'Ivan:');
		await caretAfter(boPage, 'Bo:');
		await caretAfter(cyPage, 'Cy:');
		await Promise.all([
			ivanPage.keyboard.type(lines.ivan, { delay: 15 }),
			boPage.keyboard.type(lines.bo, { delay: 15 }),
			cyPage.keyboard.type(lines.cy, { delay: 15 })
		]);
		const expected = `Ivan:${lines.ivan}\nBo:${lines.bo}\nCy:${lines.cy}`;
		for (const p of pages) await expect.poll(() => notesText(p), { timeout: 20_000 }).toBe(expected);

		// Each sees the other two carets, labelled with their names.
		const names = ['Ivan Interviewer', 'Bo Panel', 'Cy Panel'];
		for (const [index, p] of pages.entries()) {
			for (const name of names.filter((_, i) => i !== index)) {
				await editorOf(p).locator('.collaboration-carets__label', { hasText: name }).waitFor({ timeout: 15_000 });
			}
		}
		await shoot(ivanPage, 'room-notes-1280');
		for (const b of browsers) expect(b.problems).toEqual([]);
	});

	it("keeps one panelist's ratings out of another's page until that one submitted, then shows them", async () => {
		const IVAN_EVIDENCE = 'Ivan-secret-evidence-7431';
		const BO_EVIDENCE = 'Bo-evidence-2290';
		await Promise.all([scorecardLive(ivanPage), scorecardLive(boPage)]);

		// An incomplete card: the endpoint refuses it and the fields say what is missing.
		await boPage.getByRole('button', { name: 'Submit scorecard' }).click();
		await boPage.getByTestId('scorecard-error').waitFor();
		for (const key of competencyKeys(template)) {
			await expect(boPage.getByTestId(`error-ratings.${key}`).textContent()).resolves.toContain('Rate this competency');
		}
		await boPage.getByTestId('error-recommendation').waitFor();

		// Ivan rates and submits in the page.
		await fillScorecard(ivanPage, template, 3, IVAN_EVIDENCE);
		await ivanPage.getByRole('button', { name: 'Submit scorecard' }).click();
		await ivanPage.getByTestId('scorecard-success').waitFor({ timeout: 15_000 });
		await ivanPage.getByTestId('scorecard-submitted').waitFor();
		// Bo and Cy have not submitted: Ivan sees that, not their (empty) cards.
		await expect.poll(() => ivanPage.getByTestId('scorecard-pending').count()).toBe(2);

		// Bo, who has not submitted, sees the others' cards locked — and Ivan's words are nowhere in the page.
		await boPage.reload();
		await scorecardLive(boPage);
		await boPage.getByTestId('scorecards-locked').waitFor();
		await expect(boPage.getByTestId('submitted-scorecard').count()).resolves.toBe(0);
		expect(await boPage.content()).not.toContain(IVAN_EVIDENCE);
		const panelist = boPage.getByTestId('panelist').filter({ hasText: 'Ivan Interviewer' });
		await expect(panelist.getAttribute('data-submitted')).resolves.toBe('true');
		await shoot(boPage, 'room-locked-1280');

		// Bo submits: Ivan's card opens to Bo.
		await fillScorecard(boPage, template, 2, BO_EVIDENCE);
		await boPage.getByRole('button', { name: 'Submit scorecard' }).click();
		await boPage.getByTestId('scorecard-success').waitFor({ timeout: 15_000 });
		const ivansCard = boPage.locator('[data-testid="submitted-scorecard"][data-interviewer="Ivan Interviewer"]');
		await ivansCard.waitFor({ timeout: 15_000 });
		await expect(ivansCard.textContent()).resolves.toContain(IVAN_EVIDENCE);
		await expect(ivansCard.getByTestId('recommendation').textContent()).resolves.toContain('Yes');
		await shoot(boPage, 'room-unlocked-1280');

		// Cy still owes feedback: locked in the room, overdue in their list.
		await cyPage.reload();
		await cyPage.getByTestId('scorecards-locked').waitFor();
		expect(await cyPage.content()).not.toContain(IVAN_EVIDENCE);
		expect(await cyPage.content()).not.toContain(BO_EVIDENCE);
		await cyPage.goto('/interviews');
		const due = cyPage.getByTestId('feedback-due').getByTestId('interview-row');
		await due.first().waitFor();
		await expect(due.first().getAttribute('data-overdue')).resolves.toBe('true');
		await expect(due.first().textContent()).resolves.toContain('Grace Hopper');
		await shoot(cyPage, 'list-1280');
		await cyPage.setViewportSize(PHONE);
		await shoot(cyPage, 'list-375');
		await cyPage.setViewportSize(DESKTOP);

		// Phone width: the room stacks notes above the scorecard.
		await ivanPage.setViewportSize(PHONE);
		await ivanPage.reload();
		await scorecardLive(ivanPage);
		await shoot(ivanPage, 'room-375');
		const extent = await ivanPage.evaluate(() => ({
			scroll: document.documentElement.scrollWidth,
			inner: window.innerWidth
		}));
		expect(extent.scroll).toBeLessThanOrEqual(extent.inner);
		await ivanPage.setViewportSize(DESKTOP);
		for (const b of browsers) expect(b.problems).toEqual([]);
	});

	it('schedules through the page, warns about a double-booked panelist, and shows the debrief', async () => {
		// Bo already has an interview on 1 June 2027, 10:00–11:00 Berlin time.
		const first = await org.recruiter.api.post('/interviews', {
			application_id: applicationId,
			type: 'culture',
			starts_at: '2027-06-01T10:00:00+02:00',
			ends_at: '2027-06-01T11:00:00+02:00',
			time_zone: 'Europe/Berlin',
			panel: [{ user_id: bo.id, is_lead: true }]
		});
		expect(first.status, JSON.stringify(first.body)).toBe(201);

		const admin = await launchBrowser({ baseURL: running.url });
		browsers.push(admin);
		const page = (adminPage = admin.page);
		await signIn(page, org.admin.email, PASSWORD);
		// From the candidate's profile: each application offers to schedule an interview.
		await page.goto(`/candidates/${secondCandidateId}`);
		const actions = page.getByTestId('application-actions');
		await expect(actions.getByRole('link', { name: 'Make an offer' }).getAttribute('href')).resolves.toBe(
			`/offers/new?application=${secondApplicationId}`
		);
		await actions.getByRole('link', { name: 'Schedule interview' }).click();
		await page.waitForURL(`**/interviews/new?application=${secondApplicationId}`);
		await page.getByLabel('Type').selectOption('final');
		await page.getByLabel('Time zone').selectOption('Europe/Berlin');
		await page.getByLabel('Starts').fill('2027-06-01T10:30');
		await page.getByLabel('Ends').fill('2027-06-01T11:30');
		await page.getByLabel('Location').fill('Room 4');
		await page.getByLabel('Add an interviewer').fill('Bo');
		await page.getByRole('button', { name: 'Add Bo Panel to the panel' }).click();
		await page.getByLabel('Add an interviewer').fill('Cy');
		await page.getByRole('button', { name: 'Add Cy Panel to the panel' }).click();
		await shoot(page, 'new-1280');
		await page.setViewportSize(PHONE);
		await shoot(page, 'new-375');
		await page.setViewportSize(DESKTOP);
		await page.getByRole('button', { name: 'Schedule and invite' }).click();

		const warning = page.getByTestId('interview-conflicts');
		await warning.waitFor({ timeout: 15_000 });
		await expect(warning.textContent()).resolves.toContain('Bo Panel');
		await expect(warning.textContent()).resolves.not.toContain('Cy Panel');
		await shoot(page, 'new-conflict-1280');

		// The interview exists, at the instant the Berlin wall-clock time names, with Bo leading.
		const list = await org.recruiter.api.get(`/interviews?application_id=${secondApplicationId}`);
		expect(list.status).toBe(200);
		expect(list.body.data.items).toHaveLength(1);
		const made = list.body.data.items[0];
		scheduledId = made.id;
		expect(made).toMatchObject({
			type: 'final',
			time_zone: 'Europe/Berlin',
			location: 'Room 4',
			starts_at: '2027-06-01T08:30:00.000Z',
			ends_at: '2027-06-01T09:30:00.000Z'
		});
		const detail = await org.recruiter.api.get(`/interviews/${made.id}`);
		const lead = (detail.body.data.panel as Array<{ user_id: string; is_lead: boolean }>).find((p) => p.is_lead);
		expect(lead?.user_id).toBe(bo.id);

		// The debrief of the first application: Ivan's and Bo's cards, counted and in the grid.
		await page.goto(`/applications/${applicationId}/debrief`);
		await page.getByTestId('rating-grid').waitFor();
		await expect(page.getByTestId('count-yes').locator('p').first().textContent()).resolves.toBe('2');
		await expect(page.getByTestId('debrief-scorecards').getByTestId('submitted-scorecard').count()).resolves.toBe(2);
		const firstKey = competencyKeys(template)[0];
		await expect(page.getByTestId(`grid-row-${firstKey}`).getByTestId('average').textContent()).resolves.toBe('2.5');
		await notesLive(page);
		await shoot(page, 'debrief-1280');
		await page.setViewportSize(PHONE);
		await shoot(page, 'debrief-375');
		expect(admin.problems).toEqual([]);
	});

	it('reschedules and cancels on the interview page; a cancelled interview is read-only for the panel', async () => {
		const page = adminPage;
		await page.setViewportSize(DESKTOP);
		await page.goto(`/interviews/${scheduledId}`);
		await page.getByTestId('interview-slot').waitFor();
		await expect(page.getByTestId('interview-slot').textContent()).resolves.toContain('10:30–11:30');

		await page.getByRole('button', { name: 'Reschedule' }).click();
		const dialog = page.getByRole('dialog');
		await dialog.getByLabel('Starts').fill('2027-06-01T12:00');
		await dialog.getByLabel('Ends').fill('2027-06-01T13:00');
		await dialog.getByRole('button', { name: 'Reschedule' }).click();
		await page.getByTestId('interview-banner').getByText('Rescheduled').waitFor({ timeout: 15_000 });
		// Noon in Berlin no longer clashes with Bo's 10:00–11:00.
		await expect(page.getByTestId('interview-conflicts').count()).resolves.toBe(0);
		await expect.poll(() => page.getByTestId('interview-slot').textContent()).toContain('12:00–13:00');
		const moved = await org.recruiter.api.get(`/interviews/${scheduledId}`);
		expect(moved.body.data).toMatchObject({ starts_at: '2027-06-01T10:00:00.000Z', ical_sequence: 1 });

		await page.getByRole('button', { name: 'Cancel interview' }).click();
		await page.getByRole('alertdialog').getByRole('button', { name: 'Cancel interview' }).click();
		await page.locator('[data-testid="interview-status"][data-status="cancelled"]').waitFor({ timeout: 15_000 });
		const cancelled = await org.recruiter.api.get(`/interviews/${scheduledId}`);
		expect(cancelled.body.data.status).toBe('cancelled');
		await expect(page.getByRole('button', { name: 'Reschedule' }).count()).resolves.toBe(0);
		await shoot(page, 'room-cancelled-admin-1280');

		// Bo sat on that panel: the scorecard shows, locked, with no way to submit.
		await boPage.goto(`/interviews/${scheduledId}`);
		await scorecardLive(boPage);
		await boPage.getByText('The interview was cancelled: this scorecard can no longer be changed').waitFor();
		await expect(boPage.getByRole('button', { name: /Submit/ }).count()).resolves.toBe(0);
		await expect(boPage.getByTestId('my-scorecard').locator('textarea').first().isDisabled()).resolves.toBe(true);
		await shoot(boPage, 'room-cancelled-1280');
		for (const b of browsers) expect(b.problems).toEqual([]);
	});
});
