import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { apiClient, startProcess, waitFor, type RunningProcess } from '../helpers/app';
import { openDocument, type OpenedTestDocument } from '../helpers/collab';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { BACKENDS } from '../helpers/env';
import { createUser, PASSWORD, registerAdmin } from '../helpers/org';
import { descriptionFragment } from '../../src/lib/collab/description';
import { documentNames } from '../../src/lib/collab/names';

type Client = ReturnType<typeof apiClient>;
type Person = { api: Client; id: string; email: string; token: string; name: string };

/** Appends a Tiptap paragraph made of text runs (each with optional marks) to the description. */
function appendParagraph(doc: Y.Doc, runs: Array<{ text: string; marks?: Record<string, unknown> }>): void {
	const paragraph = new Y.XmlElement('paragraph');
	const text = new Y.XmlText();
	paragraph.insert(0, [text]);
	doc.transact(() => {
		descriptionFragment(doc).push([paragraph]);
		let at = 0;
		for (const run of runs) {
			text.insert(at, run.text, run.marks ?? {});
			at += run.text.length;
		}
	});
}

const plain = (doc: Y.Doc) => descriptionFragment(doc).toString();

/**
 * The live job description on the built app: a stock @hocuspocus/provider per user on
 * `requirement:<id>:description`. Editors' changes reach the requirement row (sanitised HTML and
 * text) within seconds, attributed in the audit log; readers connect read-only; strangers are
 * refused.
 */
describe.each(BACKENDS)('live requirement description on %s', (backend) => {
	let app: RunningProcess;
	let database: TestDatabase | undefined;
	let collabUrl: string;
	let admin: { api: Client; id: string };
	let hm: Person;
	let recruiter: Person;
	let approver: Person;
	let viewer: Person;
	let otherManager: Person;
	let requirementId: string;
	let documentName: string;
	const opened: OpenedTestDocument[] = [];

	async function person(role: string, name: string): Promise<Person> {
		const created = await createUser(app.url, admin.api, role, name);
		const login = await apiClient(app.url).post('/auth/login', { email: created.email, password: PASSWORD });
		return { ...created, name, token: login.body.data.token as string };
	}

	beforeAll(async () => {
		database = backend === 'postgres' ? await createTestDatabase('postgres') : undefined;
		app = await startProcess({ env: database?.url ? { DATABASE_URL: database.url } : {} });
		collabUrl = `ws://127.0.0.1:${app.port}/collab`;
		admin = await registerAdmin(app.url);
		hm = await person('hiring_manager', 'Hanna Manager');
		recruiter = await person('recruiter', 'Rita Recruiter');
		approver = await person('approver', 'Amir Approver');
		viewer = await person('viewer', 'Vera Viewer');
		otherManager = await person('hiring_manager', 'Otto Othermanager');
		const dept = await admin.api.post('/departments', { name: 'Platform' });
		const created = await hm.api.post('/requirements', {
			title: 'Platform Engineer',
			department_id: dept.body.data.id,
			remote_policy: 'remote'
		});
		expect(created.status).toBe(201);
		requirementId = created.body.data.id;
		documentName = documentNames.requirementDescription(requirementId);
	});

	afterAll(async () => {
		for (const doc of opened) doc.destroy();
		await app?.stop();
		await database?.close();
	});

	const open = (who: { token: string }, name = documentName) => {
		const doc = openDocument({ url: collabUrl, name, token: who.token });
		opened.push(doc);
		return doc;
	};

	const row = async () => (await hm.api.get(`/requirements/${requirementId}`)).body.data as Record<string, any>;

	it('renders what the hiring manager and a recruiter type into the requirement, sanitised, within seconds', async () => {
		const mine = open(hm);
		const theirs = open(recruiter);
		expect(await mine.authenticated).toBe('read-write');
		expect(await theirs.authenticated).toBe('read-write');
		await Promise.all([mine.synced, theirs.synced]);

		appendParagraph(mine.doc, [{ text: 'We build ' }, { text: 'robots', marks: { bold: true } }, { text: '.' }]);
		await mine.flushed();
		await waitFor(() => plain(theirs.doc).includes('robots'), { message: 'the manager’s text at the recruiter' });
		appendParagraph(theirs.doc, [
			{ text: '<script>alert(1)</script> ' },
			{ text: 'click me', marks: { link: { href: 'javascript:alert(document.cookie)' } } },
			{ text: ' or read ' },
			{ text: 'our blog', marks: { link: { href: 'https://acme.example/blog' } } }
		]);
		await theirs.flushed();
		const sent = Date.now();
		await waitFor(() => plain(mine.doc).includes('our blog'), { message: 'the recruiter’s text at the manager' });

		const rendered = await waitFor(
			async () => {
				const r = await row();
				return r.description_html.includes('our blog') && r.description_html.includes('robots') ? r : null;
			},
			{ timeoutMs: 8000, message: 'both edits in description_html' }
		);
		// "At most a few seconds after the last change" (debounce 1 s, at most 4 s after the first).
		expect(Date.now() - sent).toBeLessThan(6000);
		const html: string = rendered.description_html;
		expect(html).toBe(
			'<p>We build <strong>robots</strong>.</p>' +
				'<p>&lt;script&gt;alert(1)&lt;/script&gt; click me or read ' +
				'<a href="https://acme.example/blog" rel="nofollow noopener noreferrer">our blog</a></p>'
		);
		expect(html).not.toMatch(/<script|javascript:/i);
		expect(rendered.description_text).toBe('We build robots.\n<script>alert(1)</script> click me or read our blog');
		// No version bump: a form based on the version before keeps working.
		expect(rendered.version).toBe(1);
		// The text is searchable.
		const found = await hm.api.get('/requirements?q=robots');
		expect(found.body.data.items.map((r: { id: string }) => r.id)).toContain(requirementId);

		// Both editors are in the audit log as the actors of the change.
		const audit = await admin.api.get(
			`/audit-logs?entity_type=requirement&entity_id=${requirementId}&action=requirement.description_edited&page_size=100`
		);
		const actors = new Set((audit.body.data.items as Array<{ actor_id: string }>).map((e) => e.actor_id));
		expect([...actors].sort()).toEqual([hm.id, recruiter.id].sort());
	});

	it('gives approvers, viewers and other managers the description read-only: they watch live, their edits are dropped', async () => {
		const writer = open(hm);
		const readers = [open(approver), open(viewer), open(otherManager)];
		expect(await writer.authenticated).toBe('read-write');
		for (const reader of readers) expect(await reader.authenticated).toBe('readonly');
		await Promise.all([writer.synced, ...readers.map((r) => r.synced)]);
		for (const reader of readers) expect(plain(reader.doc)).toContain('robots');

		appendParagraph(readers[0].doc, [{ text: 'APPROVER WAS HERE' }]);
		appendParagraph(readers[1].doc, [{ text: 'VIEWER WAS HERE' }]);
		// Read live: the manager's next paragraph reaches every reader.
		appendParagraph(writer.doc, [{ text: 'Apply by March.' }]);
		await writer.flushed();
		for (const reader of readers) {
			await waitFor(() => plain(reader.doc).includes('Apply by March.'), { message: 'the edit at a reader' });
		}
		const rendered = await waitFor(
			async () => {
				const r = await row();
				return r.description_text.includes('Apply by March.') ? r : null;
			},
			{ timeoutMs: 8000, message: 'the manager’s edit in the row' }
		);
		expect(rendered.description_text).not.toMatch(/WAS HERE/);
		expect(plain(writer.doc)).not.toMatch(/WAS HERE/);
		// A fresh reader gets the server's copy: no trace of the dropped edits.
		const fresh = open(recruiter);
		await fresh.synced;
		expect(plain(fresh.doc)).toContain('Apply by March.');
		expect(plain(fresh.doc)).not.toMatch(/WAS HERE/);
		const audit = await admin.api.get(
			`/audit-logs?entity_type=requirement&entity_id=${requirementId}&action=requirement.description_edited&page_size=100`
		);
		const actors = (audit.body.data.items as Array<{ actor_id: string }>).map((e) => e.actor_id);
		expect(actors).not.toContain(approver.id);
		expect(actors).not.toContain(viewer.id);
	});

	it('shows each editor’s caret under their own name, whatever the client claims', async () => {
		const a = open(hm);
		const b = open(recruiter);
		await Promise.all([a.synced, b.synced]);
		a.provider.setAwarenessField('user', { name: 'Somebody Else', id: recruiter.id });
		a.provider.setAwarenessField('cursor', { anchor: 3, head: 3 });
		const seen = await waitFor(
			() => {
				const state = b.provider.awareness?.getStates().get(a.doc.clientID);
				return state?.cursor ? state : null;
			},
			{ message: "the manager's caret at the recruiter" }
		);
		expect(seen.user).toEqual({ id: hm.id, name: 'Hanna Manager', color: expect.any(String) });
	});

	it('refuses a connection without a valid session, and any connection to a requirement that does not exist', async () => {
		const anonymous = open({ token: '' });
		await expect(anonymous.authenticated).rejects.toThrow(/unauthenticated/);
		const forged = open({ token: 'a'.repeat(32) });
		await expect(forged.authenticated).rejects.toThrow(/unauthenticated/);
		const missing = open(hm, documentNames.requirementDescription('00000000-0000-4000-8000-000000000000'));
		await expect(missing.authenticated).rejects.toThrow(/forbidden/);
		// Nothing the refused clients hold reaches the row.
		expect((await row()).description_text).toContain('Apply by March.');
	});
});
