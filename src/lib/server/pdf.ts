import { existsSync } from 'node:fs';

/** The Chromium flags this product always uses (headless, no sandbox as root, no network chatter). */
export const CHROMIUM_ARGS = [
	'--headless',
	'--no-sandbox',
	'--disable-gpu',
	'--disable-quic',
	'--no-first-run',
	'--disable-background-networking',
	'--disable-component-update',
	'--disable-sync'
];

export class ChromiumUnavailable extends Error {
	override name = 'ChromiumUnavailable';
}

/**
 * Renders self-contained HTML to an A4 PDF with Chromium (playwright-core). The page may not
 * fetch anything from the network: every request but the document itself is aborted.
 */
export async function renderPdf(html: string, chromiumPath: string): Promise<Buffer> {
	if (!existsSync(chromiumPath))
		throw new ChromiumUnavailable(`Chromium not found at ${chromiumPath} (set CHROMIUM_PATH)`);
	const { chromium } = await import('playwright-core');
	const browser = await chromium.launch({ executablePath: chromiumPath, headless: true, args: CHROMIUM_ARGS });
	try {
		const page = await browser.newPage();
		await page.route('**/*', (route) => (route.request().url().startsWith('data:') ? route.continue() : route.abort()));
		await page.setContent(html, { waitUntil: 'load' });
		return await page.pdf({
			format: 'A4',
			printBackground: true,
			margin: { top: '20mm', bottom: '20mm', left: '18mm', right: '18mm' }
		});
	} finally {
		await browser.close();
	}
}
