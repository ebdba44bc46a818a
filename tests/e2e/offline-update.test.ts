import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import * as Y from 'yjs';
import { freePort, registerFirstAdmin, startProcess, type RunningProcess } from '../helpers/app';
import { focusEditorAtEnd, launchBrowser, type BrowserSession, signIn } from '../helpers/browser';
import { collabUrl, openDocument } from '../helpers/collab';

const OWNER = { name: 'Edsger Dijkstra', email: 'edsger@example.com', password: 'shortest-paths-first' };
const BEFORE = 'Typed before the new version.';
const DURING = 'Typed while the server was being updated.';

// The service worker of the build the global setup made; the test deploys a "new version" of it.
const WORKER_FILE = path.join(process.env.HH_BUILD_DIR || 'build', 'client', 'service-worker.js');

const editorOf = (page: Page) => page.getByTestId('collab-editor');

function documentText(page: Page): Promise<string> {
	return editorOf(page).evaluate((element) => {
		const copy = element.cloneNode(true) as HTMLElement;
		copy.querySelectorAll('.collaboration-carets__caret').forEach((caret) => caret.remove());
		return Array.from(copy.querySelectorAll('p'), (p) => p.textContent ?? '').join('\n');
	});
}

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

const shellCaches = (page: Page) =>
	page.evaluate(async () => (await caches.keys()).filter((name) => name.startsWith('hh-shell-')).sort());

describe('offline: a new version takes over cleanly', () => {
	let app: RunningProcess & { dataDir: string };
	let browser: BrowserSession;
	let port: number;
	const original = readFileSync(WORKER_FILE, 'utf8');
	const oldVersion = /"(\d{10,})"/.exec(original)?.[1] ?? '';

	const start = (dataDir?: string) =>
		startProcess({ env: { PORT: String(port), ORIGIN: `http://127.0.0.1:${port}` }, dataDir });

	beforeAll(async () => {
		expect(oldVersion).not.toBe('');
		port = await freePort();
		app = await start();
	});

	afterAll(async () => {
		writeFileSync(WORKER_FILE, original);
		await browser?.close();
		await app?.stop();
	});

	it('tells the user, reloads once on request, and keeps the edits that had not synced yet', async () => {
		const owner = await registerFirstAdmin(app.url, OWNER);
		browser = await launchBrowser({ baseURL: app.url });
		const { page } = browser;
		await signIn(page, OWNER.email, OWNER.password);
		await waitUntilLive(page);
		await page.waitForFunction(() => navigator.serviceWorker.controller !== null, undefined, { timeout: 30_000 });
		await expect.poll(() => shellCaches(page), { timeout: 30_000 }).toEqual([`hh-shell-${oldVersion}`]);
		await editorOf(page).click();
		await page.keyboard.type(BEFORE);
		await page.waitForFunction(() => !Object.keys(localStorage).some((k) => k.endsWith(':unsynced')), undefined, {
			timeout: 30_000
		});

		// The server goes down for a deployment; the user keeps typing.
		await app.stop();
		await focusEditorAtEnd(page, editorOf(page));
		await page.keyboard.press('Enter');
		await page.keyboard.type(DURING);
		await expect.poll(() => documentText(page)).toBe(`${BEFORE}\n${DURING}`);

		// The new version: same length, another version name (so other caches).
		const newVersion = String(Number(oldVersion) + 1);
		expect(newVersion).toHaveLength(oldVersion.length);
		writeFileSync(WORKER_FILE, original.split(`"${oldVersion}"`).join(`"${newVersion}"`));
		app = await start(app.dataDir);

		// The browser finds the new worker (as it does on navigations); the page says so.
		await page.evaluate(async () => {
			await (await navigator.serviceWorker.getRegistration())?.update();
		});
		const banner = page.getByTestId('update-banner');
		await banner.getByText('A new version of Hiring Hare is ready').waitFor({ timeout: 30_000 });
		await page.screenshot({ path: '/tmp/offline-update-banner.png' });

		let loads = 0;
		page.on('load', () => loads++);
		await page.evaluate(() => ((window as unknown as { beforeUpdate: boolean }).beforeUpdate = true));
		await banner.getByRole('button', { name: 'Reload' }).click();
		await page.waitForFunction(() => !(window as unknown as { beforeUpdate?: boolean }).beforeUpdate, undefined, {
			timeout: 30_000
		});
		await waitUntilLive(page);
		await expect.poll(() => documentText(page), { timeout: 15_000 }).toBe(`${BEFORE}\n${DURING}`);
		expect(loads).toBe(1);
		await expect(banner.count()).resolves.toBe(0);
		// The new version's shell replaced the old one.
		await expect.poll(() => shellCaches(page), { timeout: 15_000 }).toEqual([`hh-shell-${newVersion}`]);

		// What was typed during the update is on the server.
		const onServer = openDocument({ url: collabUrl(app), name: `notes:${owner.user.id}`, token: owner.token });
		try {
			await onServer.synced;
			await expect.poll(() => serverText(onServer.doc), { timeout: 15_000 }).toBe(`${BEFORE}\n${DURING}`);
		} finally {
			onServer.destroy();
		}
		expect(browser.problems.filter((p) => p.startsWith('csp'))).toEqual([]);
	});
});
