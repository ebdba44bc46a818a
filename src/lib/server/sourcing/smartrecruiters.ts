import { existsSync } from 'node:fs';
import { eq } from 'drizzle-orm';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { Actor } from '../actor';
import { DuplicateCandidate, insertCandidate } from '../candidates/service';
import { insertDocument } from '../candidates/documents';
import { inTransaction } from '../db/transaction';
import { sourcingResults, sourcingRuns, type SourcingRun } from '../db/schema';
import { AppError } from '../errors';
import type { JobContext } from '../jobs/types';
import { insertApplication } from '../pipeline/service';
import { CHROMIUM_ARGS } from '../pdf';
import type { Runtime } from '../runtime';
import { smartRecruitersSettings, type SmartRecruitersSettings } from '../settings/service';

/**
 * The SmartRecruiters import, driven through the site with Playwright and Chromium as a person
 * would: sign in, open the job's candidate list (following "next" pages), open each profile,
 * download the CV, and import the candidate with the duplicate rule. Each candidate is imported
 * in one transaction that also appends its SmartRecruiters id to the run's `done` list, so a run
 * stopped anywhere resumes after the last candidate it finished and nothing is imported twice.
 * A CAPTCHA or a refused login pauses the run with a message for the user; it never fails
 * silently. The password is typed into the login form and nowhere else: not logged, not stored
 * in the run, and removed from any error text.
 */

/** The run stops and waits for the user (a CAPTCHA to solve, credentials to fix). */
export class ImportPaused extends Error {
	override name = 'ImportPaused';
}

/** Where things are on the SmartRecruiters pages (several forms each, the first that matches). */
const SELECTORS = {
	email: 'input[type="email"], input[name="email"], input#email, input[name="username"]',
	password: 'input[type="password"]',
	submit: 'button[type="submit"], input[type="submit"]',
	loginError: '[role="alert"], .login-error, .error-message',
	candidateLink: 'a[href*="/candidates/"][data-candidate-id], [data-test="candidate-row"] a[href*="/candidates/"]',
	nextPage: 'a[rel="next"]',
	captcha:
		'iframe[src*="recaptcha"], iframe[src*="hcaptcha"], .g-recaptcha, .h-captcha, #captcha, [data-test="captcha"], iframe[title*="challenge" i]',
	cvLink: 'a[data-test="cv-download"], a[href$="/cv"], a[download]'
} as const;

const PROFILE_FIELDS = ['name', 'email', 'phone', 'location', 'title', 'company', 'linkedin'] as const;
type ProfileField = (typeof PROFILE_FIELDS)[number];

interface Profile {
	externalId: string;
	fields: Partial<Record<ProfileField, string>>;
	cv: { bytes: Uint8Array; fileName: string; contentType: string | null } | null;
}

function redactor(secret: string) {
	return (text: string) => (secret.length >= 3 ? text.split(secret).join('••••••••') : text).slice(0, 500);
}

const sleep = (ms: number, signal: AbortSignal) =>
	new Promise<void>((resolve) => {
		if (ms <= 0 || signal.aborted) return resolve();
		const timer = setTimeout(resolve, ms);
		signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
	});

/** A CAPTCHA on the page (widget, challenge frame, or the words). */
async function captchaShown(page: Page): Promise<boolean> {
	if ((await page.locator(SELECTORS.captcha).count()) > 0) return true;
	const title = await page.title();
	const text = (
		await page
			.locator('body')
			.innerText({ timeout: 5_000 })
			.catch(() => '')
	).slice(0, 5_000);
	// Phrases of challenge pages only: a page that merely mentions the word (a job called
	// "captcha-team") is not one.
	return /verify (that )?you are (a )?human|are you a robot|unusual (traffic|activity)|security check|complete the captcha/i.test(
		`${title}\n${text}`
	);
}

class Session {
	private browser: Browser | null = null;
	private context: BrowserContext | null = null;
	page!: Page;

	constructor(
		private readonly rt: Runtime,
		private readonly settings: SmartRecruitersSettings,
		private readonly signal: AbortSignal
	) {}

	private url(path: string): string {
		return new URL(path, this.settings.baseUrl.replace(/\/?$/, '/')).toString();
	}

	async open() {
		const path = this.rt.config.CHROMIUM_PATH;
		if (!existsSync(path)) throw new Error(`Chromium not found at ${path} (set CHROMIUM_PATH)`);
		const { chromium } = await import('playwright-core');
		this.browser = await chromium.launch({ executablePath: path, headless: true, args: CHROMIUM_ARGS });
		this.context = await this.browser.newContext({ acceptDownloads: true });
		this.context.setDefaultTimeout(30_000);
		this.page = await this.context.newPage();
	}

	async close() {
		await this.browser?.close().catch(() => undefined);
	}

	/** A polite pause before each page load. */
	async pause() {
		await sleep(this.rt.config.SMARTRECRUITERS_DELAY_MS, this.signal);
		if (this.signal.aborted) throw new Error('The process is shutting down; the import continues after the restart');
	}

	async visit(path: string) {
		await this.pause();
		await this.page.goto(this.url(path), { waitUntil: 'domcontentloaded' });
		await this.assertNoCaptcha();
	}

	async assertNoCaptcha() {
		if (await captchaShown(this.page)) {
			throw new ImportPaused(
				`SmartRecruiters asked for a CAPTCHA (at ${new URL(this.page.url()).pathname}). Sign in to SmartRecruiters ` +
					'in your own browser, solve it, then press Resume: the import continues where it stopped.'
			);
		}
	}

	async login() {
		await this.visit('login');
		await this.page.locator(SELECTORS.email).first().fill(this.settings.username);
		await this.page.locator(SELECTORS.password).first().fill(this.settings.password);
		await Promise.all([
			this.page.waitForLoadState('domcontentloaded'),
			this.page.locator(SELECTORS.submit).first().click()
		]);
		await this.page.waitForLoadState('domcontentloaded');
		await this.assertNoCaptcha();
		const stillOnLogin = (await this.page.locator(SELECTORS.password).count()) > 0;
		if (stillOnLogin) {
			const shown = (
				await this.page
					.locator(SELECTORS.loginError)
					.first()
					.innerText({ timeout: 2_000 })
					.catch(() => '')
			).trim();
			throw new ImportPaused(
				`SmartRecruiters refused the sign-in for ${this.settings.username}` +
					(shown ? ` ("${shown.slice(0, 200)}")` : '') +
					'. An admin checks the SmartRecruiters credentials under Integrations, then press Resume.'
			);
		}
	}

	/** The candidate ids of a job, in list order, following "next" links. */
	async listCandidates(externalJobId: string): Promise<string[]> {
		const ids: string[] = [];
		let next: string | null = `app/jobs/${encodeURIComponent(externalJobId)}/candidates`;
		for (let pages = 0; next && pages < 200; pages++) {
			await this.visit(next);
			if (this.page.url().includes('/login')) throw new ImportPaused('SmartRecruiters signed us out; press Resume');
			const found = await this.page
				.locator(SELECTORS.candidateLink)
				.evaluateAll((links) =>
					links.map(
						(a) =>
							a.getAttribute('data-candidate-id') ??
							/\/candidates\/([^/?#]+)/.exec(a.getAttribute('href') ?? '')?.[1] ??
							''
					)
				);
			for (const id of found) if (id && !ids.includes(id)) ids.push(id);
			const href = await this.page
				.locator(SELECTORS.nextPage)
				.first()
				.getAttribute('href', { timeout: 1_000 })
				.catch(() => null);
			next = href ? new URL(href, this.page.url()).toString() : null;
		}
		return ids;
	}

	/** One profile's fields and its CV (if it has one). */
	async readProfile(externalId: string): Promise<Profile> {
		await this.visit(`app/candidates/${encodeURIComponent(externalId)}`);
		const fields: Profile['fields'] = {};
		for (const field of PROFILE_FIELDS) {
			const el = this.page.locator(`[data-field="${field}"]`).first();
			if ((await el.count()) === 0) continue;
			const value =
				field === 'linkedin' ? ((await el.getAttribute('href')) ?? (await el.innerText())) : await el.innerText();
			if (value.trim()) fields[field] = value.trim();
		}
		let cv: Profile['cv'] = null;
		const link = this.page.locator(SELECTORS.cvLink).first();
		if ((await link.count()) > 0) {
			const href = await link.getAttribute('href');
			if (href) {
				await this.pause();
				const response = await this.page.request.get(new URL(href, this.page.url()).toString());
				const contentType = response.headers()['content-type'] ?? null;
				const bytes = new Uint8Array(await response.body());
				if (contentType?.includes('text/html')) {
					// A page instead of a file: a CAPTCHA or a sign-in wall.
					await this.page.setContent(Buffer.from(bytes).toString('utf8'));
					await this.assertNoCaptcha();
					throw new Error(`The CV of ${externalId} could not be downloaded (SmartRecruiters answered a page)`);
				}
				if (!response.ok()) throw new Error(`The CV of ${externalId} could not be downloaded (${response.status()})`);
				const disposition = response.headers()['content-disposition'] ?? '';
				const fileName = /filename\*?=(?:UTF-8'')?"?([^";]+)"?/i.exec(disposition)?.[1] ?? `cv-${externalId}`;
				cv = { bytes, fileName: decodeURIComponent(fileName), contentType };
			}
		}
		return { externalId, fields, cv };
	}
}

/**
 * "Test connection" for SmartRecruiters: opens Chromium and signs in with the stored
 * credentials, reporting a refused sign-in or a CAPTCHA plainly. Never returns the password.
 */
export async function checkSmartRecruitersLogin(
	rt: Runtime,
	settings: SmartRecruitersSettings
): Promise<{ ok: boolean; message: string }> {
	const redact = redactor(settings.password);
	const session = new Session(rt, settings, AbortSignal.timeout(60_000));
	try {
		await session.open();
		await session.login();
		return { ok: true, message: `Signed in to SmartRecruiters as ${settings.username}` };
	} catch (err) {
		if (err instanceof ImportPaused) return { ok: false, message: redact(err.message) };
		return {
			ok: false,
			message: redact(`SmartRecruiters could not be reached: ${err instanceof Error ? err.message : String(err)}`)
		};
	} finally {
		await session.close();
	}
}

async function setRun(rt: Runtime, runId: string, values: Partial<SourcingRun>) {
	await rt.db
		.update(sourcingRuns)
		.set({ ...values, updatedAt: new Date() })
		.where(eq(sourcingRuns.id, runId));
}

/** Imports one profile (one transaction: candidate, CV, application, result row, `done`). */
async function importProfile(rt: Runtime, actor: Actor, run: SourcingRun, profile: Profile) {
	return inTransaction(
		rt.db,
		async (tx, afterCommit) => {
			const [current] = await tx.select().from(sourcingRuns).where(eq(sourcingRuns.id, run.id)).for('update');
			if (!current || current.done.includes(profile.externalId)) return 'skipped' as const;
			const f = profile.fields;
			const name = f.name ?? `SmartRecruiters candidate ${profile.externalId}`;
			let outcome: 'imported' | 'duplicate';
			let candidateId: string | null = null;
			let existingId: string | null = null;
			try {
				const candidate = await tx.transaction((sp) =>
					insertCandidate(
						sp,
						rt,
						afterCommit,
						actor,
						{
							name,
							emails: f.email && /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(f.email) ? [f.email.toLowerCase()] : [],
							phone: f.phone ?? null,
							location: f.location ?? null,
							current_title: f.title ?? null,
							current_company: f.company ?? null,
							linkedin_url: f.linkedin ?? null,
							source: 'sourcing'
						},
						{ via: 'sourcing' }
					)
				);
				candidateId = candidate.id;
				outcome = 'imported';
				if (profile.cv) {
					await insertDocument(tx, rt, afterCommit, actor, candidate.id, 'cv', {
						bytes: profile.cv.bytes,
						fileName: profile.cv.fileName,
						declaredType: profile.cv.contentType ?? undefined
					});
				}
				if (current.requirementId) {
					await insertApplication(tx, rt, afterCommit, actor, current.requirementId, candidate.id, { via: 'api' });
				}
			} catch (err) {
				if (!(err instanceof DuplicateCandidate)) throw err;
				outcome = 'duplicate';
				existingId = err.matches[0].id;
			}
			await tx
				.insert(sourcingResults)
				.values({
					requirementId: current.requirementId,
					origin: 'smartrecruiters',
					name,
					headline: [f.title, f.company].filter(Boolean).join(' - ') || null,
					location: f.location ?? null,
					profileUrl: new URL(`app/candidates/${profile.externalId}`, 'https://smartrecruiters.invalid/').pathname,
					externalKey: `${current.externalJobId}:${profile.externalId}`,
					existingCandidateId: existingId,
					candidateId,
					status: outcome === 'imported' ? 'added' : 'duplicate',
					data: { run_id: current.id, external_id: profile.externalId, had_cv: Boolean(profile.cv) },
					createdBy: actor.userId
				})
				.onConflictDoNothing();
			await tx
				.update(sourcingRuns)
				.set({
					done: [...current.done, profile.externalId],
					imported: current.imported + (outcome === 'imported' ? 1 : 0),
					duplicates: current.duplicates + (outcome === 'duplicate' ? 1 : 0),
					updatedAt: new Date()
				})
				.where(eq(sourcingRuns.id, current.id));
			return outcome;
		},
		(err) => rt.logger.warn({ err, runId: run.id }, 'after-commit work of a SmartRecruiters import failed')
	);
}

export interface ImportSummary {
	runId: string;
	status: SourcingRun['status'];
	pauseReason: string | null;
	total: number;
	imported: number;
	duplicates: number;
	failed: Array<{ externalId: string; reason: string }>;
}

/**
 * Runs (or resumes) a SmartRecruiters import. Returns when the run completed or paused; throws
 * (so the job is retried) on unexpected trouble such as the site being unreachable.
 */
export async function performSmartRecruitersImport(
	rt: Runtime,
	actor: Actor,
	runId: string,
	ctx: Pick<JobContext, 'progress' | 'signal' | 'jobId'>
): Promise<ImportSummary> {
	const [run] = await rt.db.select().from(sourcingRuns).where(eq(sourcingRuns.id, runId));
	if (!run) throw new AppError(404, 'NOT_FOUND', 'Import run not found');
	const summary = (r: SourcingRun, total: number, failed: ImportSummary['failed'] = []): ImportSummary => ({
		runId: r.id,
		status: r.status,
		pauseReason: r.pauseReason,
		total,
		imported: r.imported,
		duplicates: r.duplicates,
		failed
	});
	if (run.status === 'completed') return summary(run, run.done.length);
	const settings = await smartRecruitersSettings(rt);
	const pauseWith = async (reason: string) => {
		await setRun(rt, runId, { status: 'paused', pauseReason: reason });
		rt.logger.warn({ runId, reason }, 'SmartRecruiters import paused');
		const [now] = await rt.db.select().from(sourcingRuns).where(eq(sourcingRuns.id, runId));
		return summary(now, now.done.length);
	};
	if (!settings) {
		return pauseWith(
			'SmartRecruiters is not configured: an admin sets its address, user and password under Integrations'
		);
	}
	await setRun(rt, runId, { status: 'running', pauseReason: null, jobId: ctx.jobId });
	const redact = redactor(settings.password);
	const session = new Session(rt, settings, ctx.signal);
	const failed: ImportSummary['failed'] = [];
	try {
		await session.open();
		await ctx.progress(1, 'Signing in to SmartRecruiters');
		await session.login();
		const ids = await session.listCandidates(run.externalJobId);
		const done = new Set(run.done);
		const todo = ids.filter((id) => !done.has(id));
		rt.logger.info(
			{ runId, listed: ids.length, alreadyDone: done.size, todo: todo.length },
			'SmartRecruiters candidates listed'
		);
		await ctx.progress(5, `${ids.length} candidates, ${done.size} already imported`);
		for (const id of todo) {
			const profile = await session.readProfile(id);
			try {
				const outcome = await importProfile(rt, actor, run, profile);
				done.add(id);
				rt.logger.info({ runId, externalId: id, outcome }, 'SmartRecruiters candidate processed');
			} catch (err) {
				if (!(err instanceof AppError)) throw err;
				// This candidate's data was refused (for example a CV that is not a PDF or DOCX):
				// report it and go on; it is not marked done, so a resume tries it again.
				failed.push({ externalId: id, reason: redact(err.message) });
			}
			const finished = ids.filter((x) => done.has(x)).length;
			await ctx.progress(
				5 + Math.floor((finished / Math.max(1, ids.length)) * 94),
				`${finished} of ${ids.length} candidates`
			);
		}
		await setRun(rt, runId, {
			status: 'completed',
			pauseReason: failed.length
				? `${failed.length} candidate(s) could not be imported: ${failed.map((f) => `${f.externalId} (${f.reason})`).join('; ')}`.slice(
						0,
						2000
					)
				: null
		});
		const [now] = await rt.db.select().from(sourcingRuns).where(eq(sourcingRuns.id, runId));
		return summary(now, ids.length, failed);
	} catch (err) {
		if (err instanceof ImportPaused) return pauseWith(redact(err.message));
		const message = redact(err instanceof Error ? err.message : String(err));
		await setRun(rt, runId, { status: 'failed', pauseReason: `The import stopped: ${message}` });
		// Rethrown without the password: the job runner logs it and retries.
		throw new Error(message);
	} finally {
		await session.close();
	}
}
