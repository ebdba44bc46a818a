import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync, writeFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSmtpServer, waitFor } from '../helpers/app';
import { BACKENDS } from '../helpers/env';
import {
	addApplication,
	createCandidate,
	createMember,
	createOrg,
	getRaw,
	openRequirement,
	startApp,
	type Member,
	type Org,
	type RunningApp
} from '../helpers/hiring';
import { mailAttachments } from '../helpers/interviews';
import { mimeParts } from '../helpers/mail';

interface ChainView {
	round: number;
	workflow_name: string;
	status: string;
	steps: Array<{ position: number; name: string; state: string; approvals: Array<{ approver_id: string }> }>;
}

/**
 * Offers over the API of the built app (issue 5): the approval engine with subject `offer` (an
 * above-band workflow adds a step, only for offers above the job level's band), approvals reset
 * by changed terms, extending renders a PDF letter in Chromium and e-mails it with a signed link,
 * the candidate accepts (page form action or API) → hired, and the requirement is filled when
 * its headcount is reached, not before — in one transaction. Tampered links, declines and the
 * hired-needs-an-accepted-offer rule.
 */
describe.each(BACKENDS)('offers on %s', (backend) => {
	let smtp: Awaited<ReturnType<typeof startSmtpServer>>;
	let running: RunningApp;
	let org: Org;
	let finance: Member;
	let requirementId: string;
	let levelId: string;

	beforeAll(async () => {
		smtp = await startSmtpServer();
		running = await startApp(backend, { SMTP_URL: smtp.url, ORG_NAME: 'Acme Robotics' });
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
		levelId = level.body.data.id;
		// Offers above the band need Finance as a second step.
		const workflow = await org.admin.api.post('/approval-workflows', {
			name: 'Above band offers',
			subject_type: 'offer',
			above_band_only: true,
			steps: [
				{ name: 'Approval', approvers: [{ type: 'role', role: 'approver' }], rule: 'any' },
				{ name: 'Finance', approvers: [{ type: 'user', userId: finance.id }], rule: 'all' }
			]
		});
		expect(workflow.status, JSON.stringify(workflow.body)).toBe(201);
		requirementId = (await openRequirement(org, 'Robotics Engineer', { job_level_id: levelId, headcount: 2 })).id;
	});

	afterAll(async () => {
		await running?.close();
		await smtp?.close();
	});

	async function newApplication(name: string, email: string) {
		const candidate = await createCandidate(org.recruiter, { name, emails: [email] });
		return addApplication(org.recruiter, requirementId, candidate.id);
	}

	async function getOffer(id: string, who: Member = org.recruiter) {
		const res = await who.api.get(`/offers/${id}`);
		expect(res.status, JSON.stringify(res.body)).toBe(200);
		return res.body.data as Record<string, any> & { approvals: ChainView[]; status: string; version: number };
	}

	async function draft(applicationId: string, terms: Record<string, unknown> = {}) {
		const res = await org.recruiter.api.post('/offers', {
			application_id: applicationId,
			base_salary: 90_000,
			currency: 'EUR',
			bonus: 5_000,
			equity: '0.05% over 4 years',
			start_date: '2030-02-01',
			expiry_date: '2029-12-31',
			contract_type: 'permanent',
			notes: 'Hybrid: two office days a week.',
			...terms
		});
		expect(res.status, JSON.stringify(res.body)).toBe(201);
		return res.body.data as { id: string; status: string; version: number };
	}

	/** Approves every pending approval of the offer that `who` holds; returns how many. */
	async function approveAs(who: Member, offerId: string): Promise<number> {
		const pending = await who.api.get('/approvals/pending');
		const mine = (pending.body.data.items as Array<{ id: string; subject_id: string }>).filter(
			(a) => a.subject_id === offerId
		);
		for (const approval of mine) {
			const res = await who.api.post(`/approvals/${approval.id}/approve`, {});
			expect(res.status, JSON.stringify(res.body)).toBe(200);
		}
		return mine.length;
	}

	async function audit(entityType: string, entityId: string) {
		const res = await org.admin.api.get(`/audit-logs?entity_type=${entityType}&entity_id=${entityId}&page_size=200`);
		expect(res.status, JSON.stringify(res.body)).toBe(200);
		return res.body.data.items as Array<{
			action: string;
			created_at: string;
			metadata: Record<string, any> | null;
			after: Record<string, any> | null;
		}>;
	}

	async function extendAndReadMail(offerId: string, email: string) {
		const extended = await org.recruiter.api.post(`/offers/${offerId}/extend`, {});
		expect(extended.status, JSON.stringify(extended.body)).toBe(200);
		expect(extended.body.data.status).toBe('extended');
		const mail = await waitFor(() => smtp.messages.find((m) => m.to.includes(email)), {
			timeoutMs: 60_000,
			message: `the offer letter e-mail to ${email}`
		});
		const text = mimeParts(mail.raw)['text/plain'];
		const link = /Review and respond: (\S+)/.exec(text)?.[1];
		expect(link, text).toBeTruthy();
		const token = decodeURIComponent(new URL(link!).pathname.replace(/^\/offer\//, ''));
		return { mail, text, token, pagePath: `/offer/${token}` };
	}

	/** The candidate's page form action, as a browser posts it (same Origin, HTML accepted). */
	async function formAction(token: string, action: 'accept' | 'decline', fields: Record<string, string> = {}) {
		const response = await fetch(`${running.url}/offer/${token}?/${action}`, {
			method: 'POST',
			headers: {
				'content-type': 'application/x-www-form-urlencoded',
				accept: 'text/html',
				origin: running.url
			},
			body: new URLSearchParams(fields).toString()
		});
		return { status: response.status, html: await response.text() };
	}

	async function requirementStatus() {
		const res = await org.recruiter.api.get(`/requirements/${requirementId}`);
		expect(res.status).toBe(200);
		return res.body.data.status as string;
	}

	async function stageOf(applicationId: string) {
		const res = await org.recruiter.api.get(`/applications/${applicationId}`);
		expect(res.status).toBe(200);
		return res.body.data.stage as string;
	}

	it('runs offers through approval: the above-band step only above the band, and changed terms reset the approvals (audited)', async () => {
		const within = await newApplication('Wendy Within', 'wendy@example.net');
		const above = await newApplication('Abe Above', 'abe@example.net');

		const inBand = await draft(within.id);
		expect(inBand.status).toBe('draft');
		expect((await getOffer(inBand.id)).above_band).toBe(false);
		// One live offer per application.
		const twice = await org.recruiter.api.post('/offers', {
			application_id: within.id,
			base_salary: 1,
			currency: 'EUR',
			start_date: '2030-02-01',
			expiry_date: '2029-12-31'
		});
		expect(twice.status).toBe(409);
		expect(twice.body.error.code).toBe('OFFER_EXISTS');
		// Who may see offers: not interviewers.
		expect((await org.interviewer.api.get(`/offers/${inBand.id}`)).status).toBe(403);

		const submitted = await org.recruiter.api.post(`/offers/${inBand.id}/submit`, {});
		expect(submitted.status, JSON.stringify(submitted.body)).toBe(200);
		expect(submitted.body.data.status).toBe('pending_approval');
		let chain = (await getOffer(inBand.id)).approvals;
		expect(chain[0]).toMatchObject({ round: 1, workflow_name: 'Default offer approval', status: 'active' });
		expect(chain[0].steps.map((s) => s.name)).toEqual(['Approval']);
		// The assigned approver may read the offer now.
		expect((await org.approver.api.get(`/offers/${inBand.id}`)).status).toBe(200);
		expect(await approveAs(org.approver, inBand.id)).toBe(1);
		expect((await getOffer(inBand.id)).status).toBe('approved');

		const aboveBand = await draft(above.id, { base_salary: 120_000 });
		expect((await getOffer(aboveBand.id)).above_band).toBe(true);
		expect((await org.recruiter.api.post(`/offers/${aboveBand.id}/submit`, {})).status).toBe(200);
		chain = (await getOffer(aboveBand.id)).approvals;
		expect(chain[0].workflow_name).toBe('Above band offers');
		expect(chain[0].steps.map((s) => [s.name, s.state])).toEqual([
			['Approval', 'open'],
			['Finance', 'waiting']
		]);
		// Finance is not asked yet; step 1 done → Finance is.
		expect(await approveAs(finance, aboveBand.id)).toBe(1); // Finance is an approver too: step 1 is "any"
		let offer = await getOffer(aboveBand.id);
		expect(offer.status).toBe('pending_approval');
		expect(offer.approvals[0].steps.map((s) => s.state)).toEqual(['done', 'open']);
		expect(await approveAs(org.approver, aboveBand.id)).toBe(0);

		// A changed bonus while pending: back to step 1 in a new round, audited.
		const bonus = await org.recruiter.api.patch(`/offers/${aboveBand.id}`, { bonus: 9_000, version: offer.version });
		expect(bonus.status, JSON.stringify(bonus.body)).toBe(200);
		expect(bonus.body.data.status).toBe('pending_approval');
		offer = await getOffer(aboveBand.id);
		expect(offer.approvals.map((r) => [r.round, r.status])).toEqual([
			[2, 'active'],
			[1, 'reset']
		]);
		expect(offer.approvals[0].steps.map((s) => s.state)).toEqual(['open', 'waiting']);
		expect(await approveAs(org.approver, aboveBand.id)).toBe(1);
		expect(await approveAs(finance, aboveBand.id)).toBe(1);
		expect((await getOffer(aboveBand.id)).status).toBe('approved');

		// A changed salary of an approved offer: pending again. The new salary is within the band,
		// so the default workflow (one step) now applies.
		offer = await getOffer(aboveBand.id);
		const salary = await org.recruiter.api.patch(`/offers/${aboveBand.id}`, {
			base_salary: 99_000,
			version: offer.version
		});
		expect(salary.status).toBe(200);
		offer = await getOffer(aboveBand.id);
		expect(offer).toMatchObject({ status: 'pending_approval', above_band: false, approved_at: null });
		expect(offer.approvals[0]).toMatchObject({ round: 3, workflow_name: 'Default offer approval' });
		const resets = (await audit('offer', aboveBand.id)).filter((a) => a.action === 'offer.updated');
		expect(resets.map((a) => a.metadata)).toEqual(
			expect.arrayContaining([
				{ approvals_reset: true, fields: ['bonus'] },
				{ approvals_reset: true, fields: ['baseSalary'] }
			])
		);
		expect((await audit('offer', aboveBand.id)).filter((a) => a.action === 'approval.chain_reset')).toHaveLength(2);
		// Notes or the contract type do not reset anything.
		const notes = await org.recruiter.api.patch(`/offers/${aboveBand.id}`, {
			notes: 'Relocation support included.',
			version: offer.version
		});
		expect(notes.status).toBe(200);
		expect((await getOffer(aboveBand.id)).approvals).toHaveLength(3);
		expect(await approveAs(org.approver, aboveBand.id)).toBe(1);
		expect((await getOffer(aboveBand.id)).status).toBe('approved');
		// Start date and equity reset an approved offer too.
		for (const change of [{ start_date: '2030-03-01' }, { equity: '0.1% over 4 years' }]) {
			const current = await getOffer(aboveBand.id);
			const res = await org.recruiter.api.patch(`/offers/${aboveBand.id}`, { ...change, version: current.version });
			expect(res.status, JSON.stringify(res.body)).toBe(200);
			expect(res.body.data.status).toBe('pending_approval');
			expect(await approveAs(org.approver, aboveBand.id)).toBe(1);
		}
		expect((await getOffer(aboveBand.id)).approvals).toHaveLength(5);
		// A stale version is a 409, not a silent overwrite.
		const stale = await org.recruiter.api.patch(`/offers/${aboveBand.id}`, { notes: 'x', version: 1 });
		expect(stale.status).toBe(409);
	});

	it('extends with a PDF letter e-mailed with a signed link; the candidate accepts on the page; headcount 2 fills on the second hire only', async () => {
		const offers = (await org.recruiter.api.get(`/offers?requirement_id=${requirementId}&status=approved`)).body.data
			.items as Array<{ id: string; application_id: string; candidate_name: string }>;
		const wendy = offers.find((o) => o.candidate_name === 'Wendy Within')!;
		const abe = offers.find((o) => o.candidate_name === 'Abe Above')!;
		expect(wendy && abe).toBeTruthy();

		// The hired-needs-an-accepted-offer rule: an approved (not accepted) offer blocks `hired`.
		const early = await org.recruiter.api.get(`/applications/${abe.application_id}`);
		const move = await org.recruiter.api.patch(`/applications/${abe.application_id}/stage`, {
			stage: 'hired',
			version: early.body.data.version
		});
		expect(move.status).toBe(409);
		expect(move.body.error).toMatchObject({
			code: 'ILLEGAL_MOVE',
			message: 'A candidate is hired only once their offer is accepted'
		});

		const { mail, text, token, pagePath } = await extendAndReadMail(wendy.id, 'wendy@example.net');
		expect(text).toContain('Dear Wendy Within');
		// The letter: attached, stored, a real PDF that renders and reads right.
		const [attachment] = mailAttachments(mail.raw).filter((a) => a.contentType === 'application/pdf');
		expect(attachment?.filename).toBe('offer-letter.pdf');
		expect(attachment.bytes.subarray(0, 5).toString('latin1')).toBe('%PDF-');
		const stored = await getRaw(running.url, org.recruiter.token, `/offers/${wendy.id}/letter`);
		expect(stored.status).toBe(200);
		expect(stored.headers.get('content-type')).toBe('application/pdf');
		expect(Buffer.from(stored.bytes).equals(attachment.bytes)).toBe(true);
		const dir = mkdtempSync(path.join(tmpdir(), 'hh-letter-'));
		writeFileSync(path.join(dir, 'letter.pdf'), attachment.bytes);
		execFileSync('pdftoppm', ['-png', '-r', '50', path.join(dir, 'letter.pdf'), path.join(dir, 'page')]);
		const png = readFileSync(path.join(dir, 'page-1.png'));
		expect(png.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))).toBe(true);
		// A blank A4 page at 50 dpi compresses to well under 2 kB; the letter's text does not.
		expect(statSync(path.join(dir, 'page-1.png')).size).toBeGreaterThan(4_000);
		copyFileSync(path.join(dir, 'page-1.png'), path.join(tmpdir(), `hh-offer-letter-${backend}.png`));
		const letterText = execFileSync('pdftotext', ['-layout', path.join(dir, 'letter.pdf'), '-']).toString('utf8');
		for (const expected of [
			'Acme Robotics',
			'Offer of employment',
			'Dear Wendy Within',
			'Robotics Engineer (Engineering)',
			'€90,000 per year',
			'€5,000 per year',
			'0.05% over 4 years',
			'1 February 2030',
			'31 December 2029'
		]) {
			expect(letterText).toContain(expected);
		}

		// The candidate's page (no login) shows the terms; the letter downloads through the link.
		const page = await fetch(`${running.url}${pagePath}`);
		expect(page.status).toBe(200);
		const html = await page.text();
		expect(html).toContain('Wendy Within');
		expect(page.headers.get('cache-control')).toBe('private, no-store');
		const letter = await fetch(`${running.url}${pagePath}/letter.pdf`);
		expect(letter.status).toBe(200);
		expect(Buffer.from(await letter.arrayBuffer()).equals(attachment.bytes)).toBe(true);

		// One changed character anywhere in the link: refused, on the page and in the API.
		const [offerId, expires, nonce, signature] = token.split('.');
		const flip = (s: string) => (s[0] === 'a' ? 'b' : 'a') + s.slice(1);
		for (const tampered of [
			[offerId, expires, nonce, flip(signature)].join('.'),
			[offerId, expires, flip(nonce), signature].join('.'),
			[offerId, String(Number(expires) + 86_400), nonce, signature].join('.')
		]) {
			expect(tampered).not.toBe(token);
			const tamperedPage = await fetch(`${running.url}/offer/${tampered}`);
			expect(await tamperedPage.text()).toContain('This link is not valid: it was changed.');
			const api = await fetch(`${running.url}/api/v1/offers/${wendy.id}/accept`, {
				method: 'POST',
				headers: { 'content-type': 'application/json' },
				body: JSON.stringify({ token: tampered })
			});
			expect(api.status).toBe(403);
			expect((await fetch(`${running.url}/offer/${tampered}/letter.pdf`)).status).toBe(404);
			const form = await formAction(tampered, 'accept');
			expect(form.status).toBe(403);
		}
		// A token for another offer cannot be used on this one.
		const crossed = await fetch(`${running.url}/api/v1/offers/${abe.id}/accept`, {
			method: 'POST',
			headers: { 'content-type': 'application/json' },
			body: JSON.stringify({ token })
		});
		expect(crossed.status).toBe(403);
		expect((await getOffer(wendy.id)).status).toBe('extended');

		// Accepting on the page: accepted, hired, and — headcount 2 — the requirement stays open.
		const accepted = await formAction(token, 'accept');
		expect(accepted.status, accepted.html.slice(0, 500)).toBe(200);
		expect((await getOffer(wendy.id)).status).toBe('accepted');
		expect(await stageOf(wendy.application_id)).toBe('hired');
		expect(await requirementStatus()).toBe('open');
		// The link is spent.
		expect((await formAction(token, 'accept')).status).toBe(403);
		expect(await (await fetch(`${running.url}${pagePath}`)).text()).toContain(
			'This link is no longer valid: the offer was changed or withdrawn.'
		);

		// Abe's offer: extended, accepted through the API → the second hire fills the requirement.
		const second = await extendAndReadMail(abe.id, 'abe@example.net');
		const apiAccept = await fetch(`${running.url}/api/v1/offers/${abe.id}/accept`, {
			method: 'POST',
			headers: { 'content-type': 'application/json' },
			body: JSON.stringify({ token: second.token })
		});
		const acceptBody = await apiAccept.json();
		expect(apiAccept.status, JSON.stringify(acceptBody)).toBe(200);
		expect(acceptBody.data).toEqual({ status: 'accepted', filled: true });
		expect(await stageOf(abe.application_id)).toBe('hired');
		expect(await requirementStatus()).toBe('filled');

		// One transaction: the offer, the application and the requirement rows changed together —
		// their audit rows carry the same transaction timestamp.
		const offerRow = (await audit('offer', abe.id)).find((a) => a.action === 'offer.accepted')!;
		const appRow = (await audit('application', abe.application_id)).find(
			(a) => a.action === 'application.stage_changed' && a.after?.stage === 'hired'
		)!;
		const reqRow = (await audit('requirement', requirementId)).find((a) => a.action === 'requirement.filled')!;
		expect(offerRow && appRow && reqRow).toBeTruthy();
		expect(offerRow.metadata).toEqual({ via: 'candidate_link' });
		expect(reqRow.metadata).toEqual({ hires: 2, headcount: 2 });
		expect(new Set([offerRow.created_at, appRow.created_at, reqRow.created_at]).size).toBe(1);
		// Wendy's acceptance did not fill it: no requirement.filled row at her time.
		const wendyRow = (await audit('offer', wendy.id)).find((a) => a.action === 'offer.accepted')!;
		expect((await audit('requirement', requirementId)).filter((a) => a.created_at === wendyRow.created_at)).toEqual([]);
		// The team is told.
		const bell = await org.manager.api.get('/notifications');
		expect((bell.body.data.items as Array<{ kind: string; title: string }>).map((n) => n.title)).toEqual(
			expect.arrayContaining(['Offer accepted: Wendy Within', 'Offer accepted: Abe Above'])
		);
	});

	it('takes a decline, refuses to extend an offer past its expiry date, and keeps declined candidates out of hired', async () => {
		const req = await openRequirement(org, 'Controls Engineer', { job_level_id: levelId, headcount: 1 });
		const candidate = await createCandidate(org.recruiter, { name: 'Dana Decline', emails: ['dana@example.net'] });
		const app = await addApplication(org.recruiter, req.id, candidate.id);
		const offer = await draft(app.id);
		await org.recruiter.api.post(`/offers/${offer.id}/submit`, {});
		expect(await approveAs(org.approver, offer.id)).toBe(1);
		const { token, pagePath } = await extendAndReadMail(offer.id, 'dana@example.net');

		const declined = await formAction(token, 'decline', { reason: 'Accepted another offer' });
		expect(declined.status).toBe(200);
		const after = await getOffer(offer.id);
		expect(after).toMatchObject({ status: 'declined', decline_reason: 'Accepted another offer' });
		expect(after.responded_at).toBeTruthy();
		expect(await stageOf(app.id)).not.toBe('hired');
		expect((await org.recruiter.api.get(`/requirements/${req.id}`)).body.data.status).toBe('open');
		// The link is spent; accepting after declining is refused.
		const late = await fetch(`${running.url}/api/v1/offers/${offer.id}/accept`, {
			method: 'POST',
			headers: { 'content-type': 'application/json' },
			body: JSON.stringify({ token })
		});
		expect(late.status).toBe(403);
		expect(await (await fetch(`${running.url}${pagePath}`)).text()).toContain('no longer valid');
		// A declined offer does not count as "accepted": `hired` stays closed by the rule.
		const current = await org.recruiter.api.get(`/applications/${app.id}`);
		const hire = await org.recruiter.api.patch(`/applications/${app.id}/stage`, {
			stage: 'hired',
			version: current.body.data.version
		});
		expect(hire.status).toBe(409);
		expect(hire.body.error.code).toBe('ILLEGAL_MOVE');

		// A new offer whose expiry date has passed: approved, but extending it is refused.
		const stale = await draft(app.id, { start_date: '2020-02-01', expiry_date: '2020-01-15' });
		await org.recruiter.api.post(`/offers/${stale.id}/submit`, {});
		expect(await approveAs(org.approver, stale.id)).toBe(1);
		const extend = await org.recruiter.api.post(`/offers/${stale.id}/extend`, {});
		expect(extend.status).toBe(409);
		expect(extend.body.error.code).toBe('OFFER_EXPIRED');
		expect((await getOffer(stale.id)).status).toBe('approved');
	});
	it('lists only the offers the caller could open one by one (owner manager, assigned approver, talent team)', async () => {
		const opening = await openRequirement(org, 'Listing Engineer');
		const candidate = await createCandidate(org.recruiter, { name: 'Lena Listed', emails: ['lena@example.net'] });
		const app = await addApplication(org.recruiter, opening.id, candidate.id);
		const offer = await draft(app.id);
		const other = await createMember(running, 'hiring_manager', 'Otto Othermanager');
		const listed = async (who: Member) => {
			const res = await who.api.get('/offers?page_size=100');
			expect(res.status, JSON.stringify(res.body)).toBe(200);
			return (res.body.data.items as Array<{ id: string }>).some((o) => o.id === offer.id);
		};
		expect(await listed(org.recruiter)).toBe(true);
		expect(await listed(org.manager)).toBe(true);
		// Another manager's requirement: not openable, so not listed either.
		expect((await other.api.get(`/offers/${offer.id}`)).status).toBe(403);
		expect(await listed(other)).toBe(false);
		// An approver sees it once they hold an approval on it.
		expect(await listed(org.approver)).toBe(false);
		expect((await org.recruiter.api.post(`/offers/${offer.id}/submit`, {})).status).toBe(200);
		expect(await listed(org.approver)).toBe(true);
		const page = await other.api.get('/offers?page_size=100');
		expect(page.body.data.pagination.total_items).toBe(page.body.data.items.length);
	});
});
