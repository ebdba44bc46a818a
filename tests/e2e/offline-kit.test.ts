import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../helpers/app';
import { editorText, launchBrowser, signIn, type BrowserSession } from '../helpers/browser';
import { fragmentText, openDocument } from '../helpers/collab';
import {
	addApplication,
	createCandidate,
	createOrg,
	openRequirement,
	startApp,
	uploadCvText,
	type Org,
	type RunningApp
} from '../helpers/hiring';
import { competencyKeys, generalTemplate, hoursFromNow, type TemplateView } from '../helpers/interviews';
import { PASSWORD } from '../helpers/org';
import { documentNames } from '../../src/lib/collab/names';
import { readScorecard } from '../../src/lib/collab/scorecard';

/**
 * The offline interview kit in Chromium (issue 6, part 2): an interviewer signs in online and only
 * sees the dashboard — never the interview — then goes offline and opens the interview room: the
 * candidate summary, CV text, scorecard template and notes are there (fetched ahead); they type
 * notes and rate offline; back online, both reach the server.
 */

const CV_LINE = 'Ran the night-train ticketing platform on Kafka.';
const OFFLINE_NOTE = 'Asked about backpressure, offline on the train.';

describe('the offline interview kit', () => {
	let running: RunningApp;
	let org: Org;
	let template: TemplateView;
	let interviewId: string;
	let browser: BrowserSession;

	beforeAll(async () => {
		const port = await freePort();
		running = await startApp('pglite', { PORT: String(port), ORIGIN: `http://127.0.0.1:${port}` });
		org = await createOrg(running);
		template = await generalTemplate(org.recruiter);
		const requirementId = (await openRequirement(org, 'Platform Engineer')).id;
		const candidate = await createCandidate(org.recruiter, { name: 'Nina Nightrain', current_title: 'SRE' });
		await uploadCvText(running, org.recruiter, candidate.id, `Nina Nightrain\n${CV_LINE}`);
		const applicationId = (await addApplication(org.recruiter, requirementId, candidate.id)).id;
		const scheduled = await org.recruiter.api.post('/interviews', {
			application_id: applicationId,
			type: 'technical',
			starts_at: hoursFromNow(20),
			ends_at: hoursFromNow(21),
			time_zone: 'Europe/Paris',
			panel: [{ user_id: org.interviewer.id, is_lead: true }],
			scorecard_template_id: template.id
		});
		expect(scheduled.status, JSON.stringify(scheduled.body)).toBe(201);
		interviewId = scheduled.body.data.interview.id;
		browser = await launchBrowser({ baseURL: running.url });
	});

	afterAll(async () => {
		await browser?.close();
		await running?.close();
	});

	it('opens an interview never visited with no network, and what is written there reaches the server', async () => {
		const { context, page } = browser;
		await signIn(page, org.interviewer.email, PASSWORD);
		expect(new URL(page.url()).pathname).toBe('/');
		// The kit is fetched ahead and its documents synced into IndexedDB, without opening them.
		await page.waitForFunction(() => document.documentElement.dataset.offlineKit === 'ready', undefined, {
			timeout: 60_000
		});
		const databases = await page.evaluate(async () => (await indexedDB.databases()).map((db) => db.name ?? ''));
		const notesName = documentNames.interviewNotes(interviewId);
		const scorecardName = documentNames.scorecard(interviewId, org.interviewer.id);
		expect(databases).toEqual(
			expect.arrayContaining([`hh:${org.interviewer.id}:${notesName}`, `hh:${org.interviewer.id}:${scorecardName}`])
		);
		await page.waitForFunction(() => navigator.serviceWorker.controller !== null, undefined, { timeout: 30_000 });

		await context.setOffline(true);
		// Open the interview as a link in the app would (no network: SvelteKit's data request fails,
		// the router loads the page, the service worker answers with the page the kit kept).
		await page.evaluate((href) => {
			const link = document.createElement('a');
			link.href = href;
			link.textContent = 'interview';
			document.querySelector('main')!.appendChild(link);
			link.click();
		}, `/interviews/${interviewId}`);
		await page.waitForURL(`**/interviews/${interviewId}`);
		const summary = page.getByTestId('candidate-summary');
		await summary
			.getByText('Nina Nightrain', { exact: true })
			.waitFor({ timeout: 15_000 })
			.catch(async (err: unknown) => {
				await page.screenshot({ path: '/tmp/offline-kit-fail.png' });
				throw err;
			});
		await page.getByTestId('cv-text-panel').locator('summary').click();
		await expect(page.getByTestId('cv-text').textContent()).resolves.toContain(CV_LINE);
		const [firstKey] = competencyKeys(template);
		await page.getByTestId(`competency-${firstKey}`).waitFor();

		// Notes and a rating, offline.
		await page.getByTestId('collab-editor').click();
		await page.keyboard.type(OFFLINE_NOTE);
		await expect.poll(() => editorText(page)).toContain(OFFLINE_NOTE);
		await page
			.getByTestId(`competency-${firstKey}`)
			.locator('label')
			.filter({ has: page.locator('input[value="3"]') })
			.click();
		await page.screenshot({ path: '/tmp/offline-kit-room.png', fullPage: true });

		// Back online: the notes and the rating reach the server.
		await context.setOffline(false);
		const notes = openDocument({ url: running.collabUrl, name: notesName, token: org.interviewer.token });
		const card = openDocument({ url: running.collabUrl, name: scorecardName, token: org.interviewer.token });
		try {
			await notes.synced;
			await card.synced;
			await expect.poll(() => fragmentText(notes.doc), { timeout: 20_000 }).toContain(OFFLINE_NOTE);
			await expect.poll(() => readScorecard(card.doc).ratings[firstKey]?.rating, { timeout: 20_000 }).toBe(3);
		} finally {
			notes.destroy();
			card.destroy();
		}
	});
});
