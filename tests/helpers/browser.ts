import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { startProcess } from './app';
import { CHROMIUM_PATH } from './env';

/** Flags for Debian's Chromium in a container: no sandbox, no GPU, nothing phoning home. */
export const CHROMIUM_ARGS = [
	'--no-sandbox',
	'--disable-gpu',
	'--disable-quic',
	'--no-first-run',
	'--disable-background-networking',
	'--disable-component-update',
	'--disable-sync'
];

export const DESKTOP = { width: 1280, height: 800 };
export const PHONE = { width: 375, height: 740 };

export interface BrowserSession {
	context: BrowserContext;
	/** The context's first page. */
	page: Page;
	/** Uncaught exceptions and Content-Security-Policy violations seen on any page. */
	problems: string[];
	/** Closes the browser and removes its profile folder. */
	close(): Promise<void>;
}

/**
 * Launches Chromium with a fresh profile. Each call is a separate browser (its own cookies and
 * storage): two calls are two independent "devices". Playwright refuses `--user-data-dir` in
 * `launch()`, hence a persistent context on a temporary folder.
 */
export async function launchBrowser(
	options: {
		baseURL?: string;
		viewport?: { width: number; height: number };
		/** 'block': no service worker (requests it would answer from its cache reach `page.route`). */
		serviceWorkers?: 'allow' | 'block';
	} = {}
): Promise<BrowserSession> {
	const profile = mkdtempSync(path.join(tmpdir(), 'hh-chromium-'));
	const context = await chromium.launchPersistentContext(profile, {
		executablePath: CHROMIUM_PATH,
		headless: true,
		args: CHROMIUM_ARGS,
		baseURL: options.baseURL,
		viewport: options.viewport ?? DESKTOP,
		serviceWorkers: options.serviceWorkers ?? 'allow'
	});
	const problems: string[] = [];
	// A rejection with a value that is not an Error (a minified Dexie or SvelteKit class) reaches
	// `pageerror` as its class name alone, often one letter: the page names it in full first.
	await context.addInitScript(() => {
		window.addEventListener('unhandledrejection', (event) => {
			const reason: unknown = event.reason;
			// Dexie's errors inherit from Error but are no Error to Chromium, and have no stack.
			if (reason instanceof Error && reason.stack) return;
			const described =
				reason && typeof reason === 'object'
					? ['name', 'message', 'status', 'location']
							.filter((key) => key in reason)
							.map((key) => `${key}=${String((reason as Record<string, unknown>)[key])}`)
							.join(' ')
					: String(reason);
			console.error(`[unhandled rejection] ${described}`);
		});
	});
	const watch = (page: Page) => {
		// The message alone can be one minified letter: keep where it was thrown, and on which page.
		page.on('pageerror', (error) =>
			problems.push(
				`pageerror: ${error.message} at ${page.url()} ${error.stack?.split('\n').slice(0, 4).join(' | ') ?? ''}`
			)
		);
		page.on('console', (message) => {
			if (message.type() !== 'error') return;
			if (/Content[- ]Security[- ]Policy/i.test(message.text())) problems.push(`csp: ${message.text()}`);
			if (message.text().startsWith('[unhandled rejection]')) problems.push(`${message.text()} at ${page.url()}`);
		});
	};
	context.pages().forEach(watch);
	context.on('page', watch);
	const page = context.pages()[0] ?? (await context.newPage());
	return {
		context,
		page,
		problems,
		async close() {
			await context.close().catch(() => {});
			rmSync(profile, { recursive: true, force: true });
		}
	};
}

/** A TCP port nobody listens on right now. */
function freePort(): Promise<number> {
	return new Promise((resolve, reject) => {
		const server = createServer();
		server.once('error', reject);
		server.listen(0, '127.0.0.1', () => {
			const address = server.address();
			const port = typeof address === 'object' && address ? address.port : 0;
			server.close(() => resolve(port));
		});
	});
}

/**
 * Starts the built app (fresh data folder) for a browser, with extra `env` (fake service URLs).
 *
 * WORKAROUND (server bug, reported): without ORIGIN, adapter-node takes the request's protocol
 * to be https, so SvelteKit's CSRF check refuses every form POST made over plain http (first-run
 * setup, sign-in, sign-out answer 403). The test sets ORIGIN to the address the browser uses,
 * which is also how a deployment is meant to be configured.
 */
export async function startAppForBrowser(env: Record<string, string> = {}) {
	const port = await freePort();
	const app = await startProcess({ env: { ...env, PORT: String(port), ORIGIN: `http://127.0.0.1:${port}` } });
	return app;
}

/** document.scrollingElement.scrollWidth and innerWidth of the page as it is now. */
export async function horizontalExtent(page: Page): Promise<{ scrollWidth: number; innerWidth: number }> {
	return page.evaluate(() => ({
		scrollWidth: (document.scrollingElement ?? document.documentElement).scrollWidth,
		innerWidth: window.innerWidth
	}));
}

/** Signs in through the login form and waits for the dashboard. */
export async function signIn(page: Page, email: string, password: string): Promise<void> {
	await page.goto('/login');
	await page.getByLabel('E-mail').fill(email);
	await page.getByLabel('Password', { exact: true }).fill(password);
	await page.getByRole('button', { name: 'Sign in' }).click();
	await page.waitForURL((url) => url.pathname === '/');
}

/**
 * Focuses a rich-text editor and puts the caret at the end of its text. Sets the DOM selection
 * (which ProseMirror follows) instead of pressing Ctrl+End: where Ctrl+End lands after a click
 * differs between Chromium releases.
 */
export async function focusEditorAtEnd(page: Page, editor: Locator): Promise<void> {
	await editor.click();
	await editor.evaluate((element) => {
		const walker = document.createTreeWalker(element, NodeFilter.SHOW_TEXT, {
			acceptNode: (node) =>
				node.parentElement?.closest('.collaboration-carets__caret')
					? NodeFilter.FILTER_REJECT
					: NodeFilter.FILTER_ACCEPT
		});
		let last: Node | null = null;
		for (let node = walker.nextNode(); node; node = walker.nextNode()) last = node;
		const range = document.createRange();
		if (last) range.setStart(last, last.textContent?.length ?? 0);
		else range.selectNodeContents(element.querySelector('p:last-of-type') ?? element);
		range.collapse(last ? true : false);
		const selection = window.getSelection();
		selection?.removeAllRanges();
		selection?.addRange(range);
	});
	// ProseMirror reads the DOM selection on `selectionchange`, which fires asynchronously.
	await page.waitForTimeout(50);
}

/** A live editor's text, one line per paragraph, without the other people's carets. */
export function editorText(page: Page, testId = 'collab-editor'): Promise<string> {
	return page.getByTestId(testId).evaluate((element) => {
		const copy = element.cloneNode(true) as HTMLElement;
		copy.querySelectorAll('.collaboration-carets__caret').forEach((caret) => caret.remove());
		return Array.from(copy.querySelectorAll('p'), (p) => p.textContent ?? '').join('\n');
	});
}
