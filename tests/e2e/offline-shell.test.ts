import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import * as Y from 'yjs';
import { registerFirstAdmin, type RunningProcess } from '../helpers/app';
import {
	focusEditorAtEnd,
	launchBrowser,
	PHONE,
	signIn,
	startAppForBrowser,
	type BrowserSession
} from '../helpers/browser';
import { collabUrl, openDocument } from '../helpers/collab';

const OWNER = { name: 'Grace Hopper', email: 'grace@example.com', password: 'compilers-all-the-way' };
const SECOND = { name: 'Alan Turing', email: 'alan@example.com', password: 'enigma-machines-1940', role: 'recruiter' };

const ONLINE_LINE = 'Written while online.';
const OFFLINE_LINE = 'Written on the train with no network.';
const UNSYNCED_LINE = 'Not sent yet.';

const editorOf = (page: Page) => page.getByTestId('collab-editor');

/** The notes' paragraphs, one a line, without other people's caret widgets. */
function documentText(page: Page): Promise<string> {
	return editorOf(page).evaluate((element) => {
		const copy = element.cloneNode(true) as HTMLElement;
		copy.querySelectorAll('.collaboration-carets__caret').forEach((caret) => caret.remove());
		return Array.from(copy.querySelectorAll('p'), (p) => p.textContent ?? '').join('\n');
	});
}

/** The text of a Tiptap document as the server holds it. */
function serverText(doc: Y.Doc): string {
	return doc
		.getXmlFragment('default')
		.toArray()
		.map((node) =>
			node instanceof Y.XmlElement
				? node
						.toArray()
						.map((t) => t.toString())
						.join('')
				: ''
		)
		.join('\n');
}

async function waitUntilLive(page: Page) {
	await page
		.locator('[data-testid="collab-status"][data-synced="true"]')
		.getByText('Live')
		.waitFor({ timeout: 30_000 });
}

/** The visible connection indicator (desktop sidebar or phone header). */
const connection = (page: Page) => page.locator('[data-testid="connection-status"]:visible');

const databaseNames = (page: Page) =>
	page.evaluate(async () => (await indexedDB.databases()).map((db) => db.name ?? '').sort());

const cacheNames = (page: Page) => page.evaluate(() => caches.keys());

/** Whether the service worker's pages cache holds `path`. */
const pageIsCached = (page: Page, path: string) =>
	page.evaluate(async (wanted) => {
		for (const name of await caches.keys()) {
			if (name.startsWith('hh-pages-') && (await (await caches.open(name)).match(wanted))) return true;
		}
		return false;
	}, path);

describe('offline: the app opens and the live notes work with no network', () => {
	let app: RunningProcess;
	let owner: Awaited<ReturnType<typeof registerFirstAdmin>>;
	let browser: BrowserSession;
	let secondId: string;

	beforeAll(async () => {
		app = await startAppForBrowser();
		owner = await registerFirstAdmin(app.url, OWNER);
		const created = await owner.api.post('/users', SECOND);
		expect(created.status).toBe(201);
		secondId = created.body.data.id ?? created.body.data.user?.id;
		expect(secondId).toBeTruthy();
		browser = await launchBrowser({ baseURL: app.url });
	});

	afterAll(async () => {
		await browser?.close();
		await app?.stop();
	});

	it('is installable: a manifest with icons, served under the CSP', async () => {
		const { page } = browser;
		await signIn(page, OWNER.email, OWNER.password);
		const href = await page.locator('link[rel="manifest"]').evaluate((link: HTMLLinkElement) => link.href);
		expect(new URL(href).pathname).toBe('/manifest.webmanifest');
		const manifest = await page.evaluate(async (url) => (await fetch(url)).json(), href);
		expect(manifest).toMatchObject({ name: 'Hiring Hare', start_url: '/', display: 'standalone' });
		const sizes = (manifest.icons as Array<{ sizes: string; src: string }>).map((icon) => icon.sizes);
		expect(sizes).toEqual(expect.arrayContaining(['192x192', '512x512']));
		for (const icon of manifest.icons as Array<{ src: string }>) {
			const type = await page.evaluate(async (src) => (await fetch(src)).headers.get('content-type'), icon.src);
			expect(type).toBe('image/png');
		}
		const csp = (await page.request.get('/')).headers()['content-security-policy'];
		expect(csp).toContain("worker-src 'self'");
		expect(csp).toContain("manifest-src 'self'");
	});

	it('after one online visit, reloads offline with the shell and the notes; offline edits survive closing the page and reach the server', async () => {
		const { context, page } = browser;
		await page.goto('/');
		await waitUntilLive(page);
		await editorOf(page).click();
		await page.keyboard.type(ONLINE_LINE);
		await expect.poll(() => documentText(page)).toBe(ONLINE_LINE);

		// The worker controls the page and has kept it; the notes are in this user's IndexedDB.
		await page.waitForFunction(() => navigator.serviceWorker.controller !== null, undefined, { timeout: 30_000 });
		await expect.poll(() => pageIsCached(page, '/'), { timeout: 30_000 }).toBe(true);
		const notesDb = `hh:${owner.user.id}:notes:${owner.user.id}`;
		await expect.poll(() => databaseNames(page), { timeout: 10_000 }).toContain(notesDb);
		await expect(connection(page).getAttribute('data-state')).resolves.toBe('online');
		// The line is on the server before the network goes.
		await page.waitForFunction(() => !Object.keys(localStorage).some((k) => k.endsWith(':unsynced')), undefined, {
			timeout: 30_000
		});

		await context.setOffline(true);
		await page.reload();
		await expect(page.getByRole('heading', { name: /Welcome back, Grace/ }).count()).resolves.toBe(1);
		await expect.poll(() => connection(page).getAttribute('data-state'), { timeout: 10_000 }).toBe('offline');
		await page.getByTestId('offline-banner').waitFor();
		await expect.poll(() => documentText(page), { timeout: 15_000 }).toBe(ONLINE_LINE);

		// Type with no network, then close the page.
		await focusEditorAtEnd(page, editorOf(page));
		await page.keyboard.press('Enter');
		await page.keyboard.type(OFFLINE_LINE);
		await expect.poll(() => documentText(page)).toBe(`${ONLINE_LINE}\n${OFFLINE_LINE}`);
		await page.screenshot({ path: '/tmp/offline-desktop.png' });
		await page.setViewportSize(PHONE);
		await page.screenshot({ path: '/tmp/offline-phone.png' });
		await page.close();

		// A new page, still offline: the app and the offline text are there.
		const again = await context.newPage();
		await again.goto('/');
		await expect.poll(() => documentText(again), { timeout: 15_000 }).toBe(`${ONLINE_LINE}\n${OFFLINE_LINE}`);
		await expect(connection(again).getAttribute('data-state')).resolves.toBe('offline');
		// A page never opened: the offline page, not the browser's error.
		const unseen = await context.newPage();
		await unseen.goto('/reports');
		await unseen.getByRole('heading', { name: 'You are offline' }).waitFor();
		await unseen.close();

		// Back online: the text reaches the server (read with a stock provider).
		await context.setOffline(false);
		await expect.poll(() => connection(again).getAttribute('data-state'), { timeout: 10_000 }).toBe('online');
		await waitUntilLive(again);
		const onServer = openDocument({
			url: collabUrl(app),
			name: `notes:${owner.user.id}`,
			token: owner.token
		});
		try {
			await onServer.synced;
			await expect.poll(() => serverText(onServer.doc), { timeout: 15_000 }).toBe(`${ONLINE_LINE}\n${OFFLINE_LINE}`);
		} finally {
			onServer.destroy();
		}
		expect(browser.problems.filter((p) => p.startsWith('csp'))).toEqual([]);
	});

	it('signing out warns about unsynced edits, then removes the user’s documents and pages; the next user sees none of them', async () => {
		const { context } = browser;
		const page = context.pages()[0]!;
		await page.setViewportSize({ width: 1280, height: 800 });
		await page.goto('/');
		await waitUntilLive(page);

		// Offline edit, then sign out: a warning; saying no keeps everything.
		await context.setOffline(true);
		await expect.poll(() => connection(page).getAttribute('data-state'), { timeout: 10_000 }).toBe('offline');
		await focusEditorAtEnd(page, editorOf(page));
		await page.keyboard.press('Enter');
		await page.keyboard.type(UNSYNCED_LINE);
		const warnings: string[] = [];
		page.once('dialog', (dialog) => {
			warnings.push(dialog.message());
			void dialog.dismiss();
		});
		await page.getByRole('button', { name: 'Sign out' }).click();
		await expect.poll(() => warnings.length).toBe(1);
		expect(warnings[0]).toMatch(/not reached the server/);
		expect(new URL(page.url()).pathname).toBe('/');
		await expect(databaseNames(page)).resolves.toContain(`hh:${owner.user.id}:notes:${owner.user.id}`);

		// Online again: the edit syncs, and signing out asks nothing.
		await context.setOffline(false);
		await waitUntilLive(page);
		await page.waitForFunction(() => !Object.keys(localStorage).some((k) => k.endsWith(':unsynced')), undefined, {
			timeout: 30_000
		});
		page.on('dialog', (dialog) => {
			warnings.push(dialog.message());
			void dialog.dismiss();
		});
		await page.getByRole('button', { name: 'Sign out' }).click();
		await page.waitForURL((url) => url.pathname === '/login');
		expect(warnings).toHaveLength(1);

		const afterLogout = await databaseNames(page);
		expect(afterLogout.filter((name) => name.includes(owner.user.id))).toEqual([]);
		expect((await cacheNames(page)).filter((name) => name.startsWith('hh-pages-'))).toEqual([]);

		// The second user on the same browser: their own notes only.
		await signIn(page, SECOND.email, SECOND.password);
		await waitUntilLive(page);
		await expect(documentText(page)).resolves.toBe('');
		await expect.poll(() => databaseNames(page), { timeout: 10_000 }).toContain(`hh:${secondId}:notes:${secondId}`);
		const names = await databaseNames(page);
		expect(names.filter((name) => name.includes(owner.user.id))).toEqual([]);
		expect(names.filter((name) => name.startsWith('hh:')).every((name) => name.startsWith(`hh:${secondId}:`))).toBe(
			true
		);
		// The first user's text reached the server before they signed out.
		const onServer = openDocument({ url: collabUrl(app), name: `notes:${owner.user.id}`, token: owner.token });
		try {
			await onServer.synced;
			await expect
				.poll(() => serverText(onServer.doc), { timeout: 15_000 })
				.toBe(`${ONLINE_LINE}\n${OFFLINE_LINE}\n${UNSYNCED_LINE}`);
		} finally {
			onServer.destroy();
		}
		expect(browser.problems.filter((p) => p.startsWith('csp'))).toEqual([]);
	});
});
