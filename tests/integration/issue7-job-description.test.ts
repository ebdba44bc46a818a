import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { apiClient, startProcess, waitFor, type RunningProcess } from '../helpers/app';
import { appendParagraph, collabUrl, openDocument, type OpenedTestDocument } from '../helpers/collab';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { BACKENDS, TEST_DATABASE_URL, TEST_REDIS_URL } from '../helpers/env';
import { jobDescriptionAnswer, startFakeGemini, type FakeGemini } from '../helpers/gemini';
import {
	client,
	createMember,
	createOrg,
	startApp,
	waitForJob,
	type Member,
	type Org,
	type RunningApp
} from '../helpers/hiring';
import { PASSWORD } from '../helpers/org';
import { uniqueRedisPrefix } from '../helpers/runtime';
import { descriptionFragment } from '../../src/lib/collab/description';
import { documentNames } from '../../src/lib/collab/names';
import { listPendingSuggestions, readSuggestionMetas, resolveSuggestion } from '../../src/lib/collab/suggestions';

/**
 * Job descriptions drafted by AI (issue 7, part 3) through the API of the built app:
 * POST /ai/job-description → 202 {job_id} → a job that drafts with Gemini (a local fake speaking
 * its REST API) or the template, and puts the draft into the live description document as
 * suggestions attributed to "AI" — seen live by whoever has it open, never in the requirement's
 * rendered HTML/text (postings, search) until an editor accepts it. Improve-this-paragraph and
 * the inclusive-language check answer in the request. Who may ask, and bad input.
 */

const pendingOf = (doc: Y.Doc) => listPendingSuggestions(doc, descriptionFragment(doc));

let seq = 0;

/** A requirement drafted by `manager` (its hiring manager): the facts a description is written from. */
async function newRequirement(org: Org, extra: Record<string, unknown> = {}) {
	seq += 1;
	const created = await org.manager.api.post('/requirements', {
		title: `Payments Backend Engineer ${seq}`,
		department_id: org.departmentId,
		remote_policy: 'hybrid',
		location_city: 'Berlin',
		location_country: 'DE',
		salary_min: 70000,
		salary_max: 90000,
		currency: 'EUR',
		must_have_skills: ['Go', 'PostgreSQL'],
		nice_to_have_skills: ['Kafka'],
		justification: 'Backfill for Bob (budget line 4711).',
		...extra
	});
	expect(created.status, JSON.stringify(created.body)).toBe(201);
	return created.body.data as { id: string; title: string };
}

async function requestDraft(who: Member, requirementId: string, body: Record<string, unknown> = {}) {
	const res = await who.api.post('/ai/job-description', { requirement_id: requirementId, ...body });
	expect(res.status, JSON.stringify(res.body)).toBe(202);
	expect(res.body.data.job_id).toMatch(/^[0-9a-f-]{36}$/);
	return res.body.data as { job_id: string; already_running: boolean };
}

async function draftAndWait(who: Member, requirementId: string, body: Record<string, unknown> = {}) {
	const { job_id: jobId } = await requestDraft(who, requirementId, body);
	const { job, progress } = await waitForJob(who, jobId);
	expect(job.status, JSON.stringify(job)).toBe('completed');
	return { job, progress };
}

describe.each(BACKENDS)('job descriptions drafted by AI on %s', (backend) => {
	let fake: FakeGemini;
	let running: RunningApp;
	let org: Org;
	let otherManager: Member;
	const opened: OpenedTestDocument[] = [];

	beforeAll(async () => {
		fake = await startFakeGemini();
		running = await startApp(backend, {
			GEMINI_API_KEY: 'fake-key-for-writing',
			GEMINI_BASE_URL: fake.url,
			GEMINI_MODEL: 'gemini-2.5-flash',
			GEMINI_RETRY_BASE_MS: '50',
			GEMINI_TIMEOUT_MS: '1500'
		});
		org = await createOrg(running);
		otherManager = await createMember(running, 'hiring_manager', 'Otto Othermanager');
	});

	afterAll(async () => {
		for (const doc of opened) doc.destroy();
		await running?.close();
		await fake?.close();
	});

	afterEach(() => {
		fake.requests.length = 0;
		fake.script.length = 0;
		fake.fallback = () => ({ status: 500 });
	});

	const open = (who: Member, requirementId: string) => {
		const doc = openDocument({
			url: running.collabUrl,
			name: documentNames.requirementDescription(requirementId),
			token: who.token
		});
		opened.push(doc);
		return doc;
	};

	const row = async (requirementId: string) =>
		(await org.manager.api.get(`/requirements/${requirementId}`)).body.data as {
			description_html: string;
			description_text: string;
		};

	/** Waits until the requirement row's rendered text satisfies `check`. */
	const rendered = (requirementId: string, check: (text: string, html: string) => boolean, message: string) =>
		waitFor(
			async () => {
				const r = await row(requirementId);
				return check(r.description_text, r.description_html) ? r : null;
			},
			{ timeoutMs: 10_000, message }
		);

	it('Gemini: the draft arrives live as AI suggestions, stays out of the posting, and what is accepted goes in', async () => {
		const requirement = await newRequirement(org);
		const writer = open(org.manager, requirement.id);
		const watcher = open(org.recruiter, requirement.id);
		expect(await writer.authenticated).toBe('read-write');
		await Promise.all([writer.synced, watcher.synced]);
		appendParagraph(writer.doc, 'We move money safely.');
		await writer.flushed();
		await rendered(requirement.id, (t) => t === 'We move money safely.', 'the manager’s paragraph in the row');

		fake.fallback = (request) => ({ json: jobDescriptionAnswer(request.prompt) });
		const { job, progress } = await draftAndWait(org.manager, requirement.id, { tone: 'friendly' });
		expect(job.result).toMatchObject({
			source: 'gemini',
			model: 'gemini-2.5-flash',
			fallback_reason: null,
			reused: false,
			requirement_id: requirement.id
		});
		expect(job.result.usage).toMatchObject({ calls: 1, prompt_tokens: 420 });
		expect(job.result.suggestions.map((s: { label: string }) => s.label)).toEqual([
			'About the role',
			'Responsibilities',
			'Requirements',
			'What we offer'
		]);
		expect(progress[progress.length - 1]).toBe(100);

		// What Gemini was asked: structured output, the facts, what is written, the tone.
		expect(fake.requests).toHaveLength(1);
		const sent = fake.requests[0];
		expect(sent.body.generationConfig?.responseMimeType).toBe('application/json');
		expect(
			JSON.stringify(sent.body.generationConfig?.responseSchema ?? sent.body.generationConfig?.responseJsonSchema)
		).toContain('what_we_offer');
		expect(sent.prompt).toContain(`Title: ${requirement.title}`);
		expect(sent.prompt).toContain('Must-have skills: Go, PostgreSQL');
		expect(sent.prompt).toContain('Work arrangement: hybrid, Berlin, Germany');
		expect(sent.prompt).toMatch(/Salary: €70,000 – €90,000 per year/);
		expect(sent.prompt).toContain('<written>\nWe move money safely.\n</written>');
		expect(sent.prompt).toContain('Tone: friendly');

		// The recruiter, who asked for nothing, sees the draft arrive: four suggestions by AI.
		const pending = await waitFor(() => (pendingOf(watcher.doc).length === 4 ? pendingOf(watcher.doc) : null), {
			message: 'the suggestions at the watcher'
		});
		for (const s of pending) {
			expect(s.meta).toMatchObject({
				author: 'AI',
				source: 'gemini',
				kind: 'draft',
				status: 'pending',
				group: job.id,
				requestedBy: { id: org.manager.id, name: org.manager.name }
			});
		}
		expect(pending[2].inserted).toBe('Requirements\nSolid experience with Go\nSolid experience with PostgreSQL');
		// After what people wrote, which is untouched.
		expect(descriptionFragment(watcher.doc).toArray()[0].toString()).toBe(
			'<paragraph>We move money safely.</paragraph>'
		);

		// The manager types on: the row is rendered again, without the pending draft.
		await waitFor(() => pendingOf(writer.doc).length === 4, { message: 'the suggestions at the writer' });
		appendParagraph(writer.doc, 'Apply by March.');
		await writer.flushed();
		const before = await rendered(requirement.id, (t) => t.includes('Apply by March.'), 'the second paragraph');
		expect(before.description_text).toBe('We move money safely.\nApply by March.');
		expect(before.description_html).toBe('<p>We move money safely.</p><p>Apply by March.</p>');

		// Accept two sections, reject two: only the accepted text reaches the row.
		const byLabel = new Map(pending.map((s) => [s.meta?.label, s.id]));
		for (const label of ['About the role', 'Requirements']) {
			expect(resolveSuggestion(writer.doc, descriptionFragment(writer.doc), byLabel.get(label) ?? '', 'accept')).toBe(
				true
			);
		}
		for (const label of ['Responsibilities', 'What we offer']) {
			expect(resolveSuggestion(writer.doc, descriptionFragment(writer.doc), byLabel.get(label) ?? '', 'reject')).toBe(
				true
			);
		}
		await writer.flushed();
		const after = await rendered(
			requirement.id,
			(t) => t.includes('Solid experience with Go'),
			'the accepted sections'
		);
		expect(after.description_html).toBe(
			'<p>We move money safely.</p>' +
				`<h2>About the role</h2><p>As our ${requirement.title} you will shape how we build. Gemini wrote this.</p>` +
				'<h2>Requirements</h2><ul><li><p>Solid experience with Go</p></li><li><p>Solid experience with PostgreSQL</p></li></ul>' +
				'<p>Apply by March.</p>'
		);
		expect(after.description_text).not.toMatch(/Own services|Remote-friendly|Responsibilities|What we offer/);
		await waitFor(() => pendingOf(watcher.doc).length === 0, { message: 'no suggestion left at the watcher' });
		const statuses = [...readSuggestionMetas(watcher.doc).values()].map((m) => [m.label, m.status]);
		expect(statuses).toEqual(
			expect.arrayContaining([
				['About the role', 'accepted'],
				['Requirements', 'accepted'],
				['Responsibilities', 'rejected'],
				['What we offer', 'rejected']
			])
		);

		// The suggestion is in the audit log, as the manager's.
		const audit = await org.admin.api.get(
			`/audit-logs?entity_type=requirement&entity_id=${requirement.id}&action=ai.job_description_suggested`
		);
		expect(audit.body.data.items).toHaveLength(1);
		expect(audit.body.data.items[0]).toMatchObject({ actor_id: org.manager.id });
		expect(audit.body.data.items[0].metadata).toMatchObject({ job_id: job.id, source: 'gemini' });
	});

	it('an invalid JSON answer is asked for once more, then the template writes the draft (source heuristic)', async () => {
		const requirement = await newRequirement(org);
		fake.fallback = () => ({ text: '{"about_the_role": ["half an answer' });
		const { job } = await draftAndWait(org.recruiter, requirement.id);
		expect(fake.requests).toHaveLength(2);
		expect(job.result.source).toBe('heuristic');
		expect(job.result.fallback_reason).toMatch(/no valid answer twice/);
		expect(job.result.model).toBeNull();

		const reader = open(org.manager, requirement.id);
		await reader.synced;
		const pending = await waitFor(() => (pendingOf(reader.doc).length >= 4 ? pendingOf(reader.doc) : null), {
			message: 'the template draft in the document'
		});
		expect(pending.every((s) => s.meta?.source === 'heuristic' && s.meta.author === 'AI')).toBe(true);
		const requirements = pending.find((s) => s.meta?.label === 'Requirements');
		expect(requirements?.inserted).toContain('Hands-on experience with Go');
		const offer = pending.find((s) => s.meta?.label === 'What we offer');
		expect(offer?.inserted).toContain('A salary of €70,000 – €90,000 a year');
		// Nothing internal leaks into a draft.
		expect(pending.map((s) => s.inserted).join('\n')).not.toMatch(/Bob|4711|budget/);
	});

	it('a 429 is retried and the answer used', async () => {
		const requirement = await newRequirement(org);
		fake.script.push({ status: 429 });
		fake.fallback = (request) => ({ json: jobDescriptionAnswer(request.prompt, 'after a retry') });
		const { job } = await draftAndWait(org.manager, requirement.id);
		expect(fake.requests).toHaveLength(2);
		expect(job.result.source).toBe('gemini');
		expect(job.result.usage.calls).toBe(1);
		const reader = open(org.recruiter, requirement.id);
		await reader.synced;
		await waitFor(() => pendingOf(reader.doc).some((s) => s.inserted.includes('after a retry')), {
			message: 'the retried answer in the document'
		});
	});

	it('a timeout falls back to the template; asking again meanwhile returns the same job', async () => {
		const requirement = await newRequirement(org);
		fake.fallback = () => ({ hang: true });
		const first = await requestDraft(org.manager, requirement.id);
		const again = await requestDraft(org.recruiter, requirement.id);
		expect(again).toMatchObject({ job_id: first.job_id, already_running: true });
		const { job } = await waitForJob(org.manager, first.job_id);
		expect(job.status).toBe('completed');
		expect(job.result.source).toBe('heuristic');
		expect(job.result.fallback_reason).toMatch(/in time/);
		expect(fake.requests).toHaveLength(1);
		const reader = open(org.manager, requirement.id);
		await reader.synced;
		await waitFor(() => pendingOf(reader.doc).length >= 4, { message: 'the template draft' });
		// Once it is done, a new request drafts anew (a second set of suggestions).
		fake.fallback = (request) => ({ json: jobDescriptionAnswer(request.prompt, 'second draft') });
		const second = await draftAndWait(org.manager, requirement.id);
		expect(second.job.id).not.toBe(first.job_id);
		await waitFor(() => pendingOf(reader.doc).some((s) => s.inserted.includes('second draft')), {
			message: 'the second draft'
		});
	});

	it('only people who may edit the description may ask: 403 for viewers, approvers, interviewers, other managers; 401 signed out', async () => {
		const requirement = await newRequirement(org);
		fake.fallback = (request) => ({ json: jobDescriptionAnswer(request.prompt) });
		for (const who of [org.viewer, org.approver, org.interviewer, otherManager]) {
			const res = await who.api.post('/ai/job-description', { requirement_id: requirement.id });
			expect(res.status, `${who.name}: ${JSON.stringify(res.body)}`).toBe(403);
			expect(res.body.error.code).toBe('FORBIDDEN');
			const improve = await who.api.post('/ai/improve', { requirement_id: requirement.id, text: 'He will code.' });
			expect(improve.status, who.name).toBe(403);
		}
		for (const who of [org.viewer, org.approver, org.interviewer]) {
			expect((await who.api.post('/ai/inclusive-check', { text: 'He will code.' })).status, who.name).toBe(403);
		}
		const anonymous = apiClient(running.url);
		expect((await anonymous.post('/ai/job-description', { requirement_id: requirement.id })).status).toBe(401);
		expect((await anonymous.post('/ai/improve', { text: 'x' })).status).toBe(401);
		expect((await anonymous.post('/ai/inclusive-check', { text: 'x' })).status).toBe(401);
		expect(fake.requests).toHaveLength(0);
		// An admin may (the owner and recruiters are the other tests' requesters).
		await draftAndWait(org.admin, requirement.id);
	});

	it('bad input: 4xx with field details, never a 500', async () => {
		const requirement = await newRequirement(org);
		const cases: Array<[string, unknown, number, string | null]> = [
			['/ai/job-description', {}, 422, 'requirement_id'],
			['/ai/job-description', { requirement_id: 'REQ-1' }, 422, 'requirement_id'],
			['/ai/job-description', { requirement_id: requirement.id, tone: 'sarcastic' }, 422, 'tone'],
			['/ai/job-description', { requirement_id: requirement.id, instructions: 'x'.repeat(1001) }, 422, 'instructions'],
			['/ai/job-description', { requirement_id: requirement.id, instructions: 7 }, 422, 'instructions'],
			['/ai/job-description', { requirement_id: requirement.id, surprise: true }, 422, null],
			['/ai/job-description', { requirement_id: '00000000-0000-4000-8000-000000000000' }, 404, null],
			['/ai/improve', { text: '   ' }, 422, 'text'],
			['/ai/improve', { text: 'x'.repeat(5001) }, 422, 'text'],
			['/ai/improve', { text: 'Fine.', requirement_id: 'nope' }, 422, 'requirement_id'],
			['/ai/improve', { text: 'Fine.', requirement_id: '00000000-0000-4000-8000-000000000000' }, 404, null],
			['/ai/inclusive-check', { text: ' \n ' }, 422, 'text'],
			['/ai/inclusive-check', { text: 'x'.repeat(20_001) }, 422, 'text'],
			['/ai/inclusive-check', {}, 422, 'text']
		];
		for (const [route, body, status, field] of cases) {
			const res = await org.recruiter.api.post(route, body);
			expect(res.status, `${route} ${JSON.stringify(body).slice(0, 80)}: ${JSON.stringify(res.body)}`).toBe(status);
			expect(res.body.success).toBe(false);
			if (field) {
				expect(res.body.error.details.map((d: { field: string }) => d.field)).toContain(field);
				expect(res.body.error.details.every((d: { message: string }) => d.message.length > 0)).toBe(true);
			}
		}
		const malformed = await fetch(`${running.url}/api/v1/ai/job-description`, {
			method: 'POST',
			headers: { 'content-type': 'application/json', authorization: `Bearer ${org.recruiter.token}` },
			body: '{"requirement_id": '
		});
		expect(malformed.status).toBe(400);
		expect(fake.requests).toHaveLength(0);
	});

	it('read-only connections cannot accept or reject a suggestion', async () => {
		const requirement = await newRequirement(org);
		fake.fallback = () => ({ status: 400 });
		await draftAndWait(org.manager, requirement.id);
		const viewer = open(org.viewer, requirement.id);
		const approver = open(org.approver, requirement.id);
		expect(await viewer.authenticated).toBe('readonly');
		expect(await approver.authenticated).toBe('readonly');
		await Promise.all([viewer.synced, approver.synced]);
		const [first, second] = await waitFor(() => (pendingOf(viewer.doc).length >= 2 ? pendingOf(viewer.doc) : null), {
			message: 'the draft at the viewer'
		});
		expect(resolveSuggestion(viewer.doc, descriptionFragment(viewer.doc), first.id, 'accept')).toBe(true);
		expect(resolveSuggestion(approver.doc, descriptionFragment(approver.doc), second.id, 'reject')).toBe(true);
		// An editor's change after theirs: once it is in, theirs would have been too.
		const writer = open(org.recruiter, requirement.id);
		await writer.synced;
		appendParagraph(writer.doc, 'Written by an editor.');
		await writer.flushed();
		await rendered(requirement.id, (t) => t.includes('Written by an editor.'), 'the editor’s paragraph');
		const fresh = open(org.manager, requirement.id);
		await fresh.synced;
		const ids = pendingOf(fresh.doc).map((s) => s.id);
		expect(ids).toContain(first.id);
		expect(ids).toContain(second.id);
		expect((await row(requirement.id)).description_text).toBe('Written by an editor.');
	});

	it('improve this paragraph: Gemini’s rewrite with its changes, the heuristic without it', async () => {
		const requirement = await newRequirement(org);
		fake.script.push({ json: { text: 'You will own the payments API.', changes: ['Addressed the reader as "you"'] } });
		const res = await org.recruiter.api.post('/ai/improve', {
			requirement_id: requirement.id,
			text: 'The candidate will own the payments API and he will be a rockstar.',
			instruction: 'make it shorter'
		});
		expect(res.status, JSON.stringify(res.body)).toBe(200);
		expect(res.body.data).toMatchObject({
			original: 'The candidate will own the payments API and he will be a rockstar.',
			text: 'You will own the payments API.',
			changes: ['Addressed the reader as "you"'],
			remaining_flags: [],
			source: 'gemini',
			model: 'gemini-2.5-flash'
		});
		expect(fake.requests[0].prompt).toContain('Instruction: make it shorter');
		expect(fake.requests[0].prompt).toContain('<text>\nThe candidate will own');

		fake.fallback = () => ({ text: 'not json' });
		const heuristic = await org.manager.api.post('/ai/improve', {
			requirement_id: requirement.id,
			text: 'He will join a team of rockstar engineers'
		});
		expect(heuristic.status).toBe(200);
		expect(heuristic.body.data).toMatchObject({ source: 'heuristic', model: null });
		expect(heuristic.body.data.text).toBe('You will join a team of expert engineers.');
		expect(heuristic.body.data.changes).toContain('Replaced exclusionary wording');
	});

	it('the inclusive-language check: flags with category, position and alternatives, Gemini adding what a list cannot see', async () => {
		const text = 'We need a rockstar developer. He will join young and dynamic colleagues and works long hours.';
		fake.fallback = () => ({
			json: {
				flags: [
					{
						text: 'works long hours',
						category: 'culture',
						alternatives: ['has a sustainable pace'],
						why: 'Signals no life outside work.'
					},
					{ text: 'not in the text at all', category: 'jargon', alternatives: ['x'], why: 'Invented.' }
				]
			}
		});
		const res = await org.recruiter.api.post('/ai/inclusive-check', { text });
		expect(res.status, JSON.stringify(res.body)).toBe(200);
		const flags = res.body.data.flags as Array<{
			text: string;
			start: number;
			end: number;
			category: string;
			alternatives: string[];
			origin: string;
		}>;
		expect(res.body.data.source).toBe('gemini');
		for (const flag of flags) {
			expect(text.slice(flag.start, flag.end)).toBe(flag.text);
			expect(flag.alternatives.length).toBeGreaterThan(0);
		}
		expect(flags.map((f) => [f.text, f.category, f.origin])).toEqual([
			['rockstar', 'gendered', 'word_list'],
			['He', 'gendered', 'word_list'],
			['young and dynamic', 'age', 'word_list'],
			['works long hours', 'culture', 'gemini']
		]);
		expect(res.body.data.count).toBe(4);
		expect(res.body.data.by_category).toMatchObject({ gendered: 2, age: 1, culture: 1 });

		// Without a usable Gemini answer, the word list still answers (source heuristic).
		fake.fallback = () => ({ status: 400 });
		const listed = await org.manager.api.post('/ai/inclusive-check', { text: `  ${text}` });
		expect(listed.body.data.source).toBe('heuristic');
		// Offsets are positions in the text exactly as sent (not trimmed).
		const first = listed.body.data.flags[0] as { text: string; start: number; end: number };
		expect(`  ${text}`.slice(first.start, first.end)).toBe('rockstar');
		expect(listed.body.data.flags.map((f: { text: string }) => f.text)).not.toContain('works long hours');
	});
});

/**
 * Distributed mode: web, sync and worker processes on Postgres and Redis. The draft job runs on
 * the BullMQ worker, which writes the document through its own direct connection; the recruiter
 * watching on the sync process sees it arrive through Redis, though the person who asked never
 * opened the document.
 */
describe.runIf(TEST_REDIS_URL && TEST_DATABASE_URL)('job descriptions drafted on the BullMQ worker', () => {
	let database: TestDatabase;
	let fake: FakeGemini;
	const processes: RunningProcess[] = [];
	let org: Org;
	let syncUrl: string;
	const opened: OpenedTestDocument[] = [];

	beforeAll(async () => {
		database = await createTestDatabase('postgres');
		fake = await startFakeGemini((request) => ({ json: jobDescriptionAnswer(request.prompt, 'from the worker') }));
		const env = {
			DATABASE_URL: database.url as string,
			REDIS_URL: TEST_REDIS_URL,
			REDIS_PREFIX: uniqueRedisPrefix(),
			RATE_LIMIT_PER_MINUTE: '0',
			GEMINI_API_KEY: 'fake-key-for-the-worker',
			GEMINI_BASE_URL: fake.url,
			GEMINI_RETRY_BASE_MS: '50',
			GEMINI_TIMEOUT_MS: '5000'
		};
		const dataDir = mkdtempSync(path.join(tmpdir(), 'hh-ai-draft-'));
		const [web, sync, worker] = await Promise.all([
			startProcess({ role: 'web', env, dataDir }),
			startProcess({ role: 'sync', env, dataDir }),
			startProcess({ role: 'worker', env, dataDir })
		]);
		processes.push(web, sync, worker);
		syncUrl = collabUrl(sync);
		const register = await apiClient(web.url).post('/auth/register', {
			email: 'admin@example.com',
			name: 'Ada Admin',
			password: PASSWORD
		});
		expect(register.status).toBe(201);
		const token: string = register.body.data.token;
		const running: RunningApp = {
			app: web,
			database,
			url: web.url,
			collabUrl: syncUrl,
			admin: {
				api: client(web.url, token),
				id: register.body.data.user.id,
				email: 'admin@example.com',
				name: 'Ada Admin',
				token
			},
			close: async () => {}
		};
		org = await createOrg(running);
	});

	afterAll(async () => {
		for (const doc of opened) doc.destroy();
		await Promise.all(processes.map((p) => p.stop()));
		await fake?.close();
		await database?.close();
	});

	it('the worker drafts with Gemini and the watcher on the sync process sees the suggestions live', async () => {
		const requirement = await newRequirement(org);
		const watcher = openDocument({
			url: syncUrl,
			name: documentNames.requirementDescription(requirement.id),
			token: org.recruiter.token
		});
		opened.push(watcher);
		expect(await watcher.authenticated).toBe('read-write');
		await watcher.synced;

		const { job } = await draftAndWait(org.manager, requirement.id);
		expect(job.result).toMatchObject({ source: 'gemini', reused: false });
		expect(fake.requests).toHaveLength(1);
		const pending = await waitFor(() => (pendingOf(watcher.doc).length === 4 ? pendingOf(watcher.doc) : null), {
			message: 'the worker’s draft at the watcher on the sync process'
		});
		expect(pending.every((s) => s.meta?.author === 'AI' && s.meta.source === 'gemini')).toBe(true);
		expect(pending[0].inserted).toContain('from the worker');

		// Accepted on the sync process: rendered into the row by it.
		const about = pending.find((s) => s.meta?.label === 'About the role');
		expect(resolveSuggestion(watcher.doc, descriptionFragment(watcher.doc), about?.id ?? '', 'accept')).toBe(true);
		await watcher.flushed();
		const r = await waitFor(
			async () => {
				const res = await org.manager.api.get(`/requirements/${requirement.id}`);
				return (res.body.data.description_text as string).includes('from the worker') ? res.body.data : null;
			},
			{ message: 'the accepted section in the row' }
		);
		expect(r.description_html).toMatch(/^<h2>About the role<\/h2><p>As our .* from the worker\.<\/p>$/);

		// A fresh reader (a new connection, state from the database and the sync process) agrees.
		const fresh = openDocument({
			url: syncUrl,
			name: documentNames.requirementDescription(requirement.id),
			token: org.manager.token
		});
		opened.push(fresh);
		await fresh.synced;
		expect(pendingOf(fresh.doc).map((s) => s.meta?.label)).toEqual([
			'Responsibilities',
			'Requirements',
			'What we offer'
		]);
	});
});
