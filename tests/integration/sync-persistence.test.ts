import { eq } from 'drizzle-orm';
import * as Y from 'yjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { documentNames } from '../../src/lib/collab/names';
import { notesText } from '../../src/lib/collab/notes';
import { documents } from '../../src/lib/server/db/schema';
import type { Database } from '../../src/lib/server/db/client';
import { checkReadiness } from '../../src/lib/server/observability/health';
import { UNAVAILABLE_CODE } from '../../sync-server/socket-guard';
import type { Runtime } from '../../src/lib/server/runtime';
import {
	appendParagraph,
	createUserWithSession,
	openDocument,
	startCollab,
	waitFor,
	type OpenedTestDocument,
	type RunningCollab
} from '../helpers/collab';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { BACKENDS } from '../helpers/env';
import { createTestRuntime, type TestRuntime } from '../helpers/runtime';

async function storedDoc(db: Database, name: string): Promise<Y.Doc | null> {
	const [row] = await db.select().from(documents).where(eq(documents.name, name));
	if (!row) return null;
	const doc = new Y.Doc();
	Y.applyUpdate(doc, row.state);
	return doc;
}

async function storedText(db: Database, name: string): Promise<string | null> {
	const doc = await storedDoc(db, name);
	return doc ? notesText(doc) : null;
}

/** Makes every transaction of `rt` wait `delayMs` first (a slow database), until undone. */
function slowTransactions(rt: Runtime, delayMs: number): () => void {
	const real = rt.db;
	rt.db = new Proxy(real, {
		get(target, prop) {
			if (prop === 'transaction') {
				return async (...args: Parameters<Database['transaction']>) => {
					await new Promise((resolve) => setTimeout(resolve, delayMs));
					return target.transaction(...args);
				};
			}
			const value: unknown = Reflect.get(target, prop, target);
			return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
		}
	});
	return () => {
		rt.db = real;
	};
}

describe.each(BACKENDS)('live documents: storing (%s)', (backend) => {
	let t: TestRuntime;
	let server: RunningCollab;
	const opened: OpenedTestDocument[] = [];
	const open = (name: string, token: string) => {
		const doc = openDocument({ url: server.url, name, token });
		opened.push(doc);
		return doc;
	};

	beforeAll(async () => {
		t = await createTestRuntime({ backend });
		await t.rt.jobs.startProcessing(); // readiness also checks the job runner
		server = await startCollab(t.rt, {
			limits: { maxDocumentBytes: 8 * 1024, maxMessageBytes: 16 * 1024 },
			storeRetryDelaysMs: [50, 100],
			backgroundStoreRetryDelaysMs: [300]
		});
	});

	afterAll(async () => {
		for (const doc of opened) doc.destroy();
		await server?.close();
		await t?.close();
	});

	it('unloads every document once its clients are gone and its store is done', async () => {
		const people = await Promise.all([1, 2, 3].map(() => createUserWithSession(t.rt.db)));
		const clients = people.flatMap(({ user, token }) => [
			open(documentNames.notes(user.id), token),
			open(documentNames.notes(user.id), token)
		]);
		await Promise.all(clients.map((c) => c.synced));
		expect(server.collab.documentCount()).toBe(3);
		clients.forEach((c, i) => appendParagraph(c.doc, `line ${i}`));
		await Promise.all(clients.map((c) => c.flushed()));
		for (const c of clients) c.destroy();

		await waitFor(() => server.collab.documentCount() === 0, { message: 'the loaded-document count to reach 0' });
		await waitFor(() => server.collab.connectionCount() === 0, { message: 'the sockets to close' });
		expect(server.collab.hocuspocus.getConnectionsCount()).toBe(0);
		for (const [i, { user }] of people.entries()) {
			const text = await storedText(t.rt.db, documentNames.notes(user.id));
			expect(text?.split('\n').sort()).toEqual([`line ${2 * i}`, `line ${2 * i + 1}`]);
		}
	});

	it('stores the compacted state: one row, whatever the number of edits', async () => {
		const { user, token } = await createUserWithSession(t.rt.db);
		const name = documentNames.notes(user.id);
		const client = open(name, token);
		await client.synced;
		const text = new Y.XmlText();
		const paragraph = new Y.XmlElement('paragraph');
		paragraph.insert(0, [text]);
		client.doc.getXmlFragment('default').push([paragraph]);
		let updateBytes = 0;
		client.doc.on('update', (update: Uint8Array) => (updateBytes += update.byteLength));
		for (let i = 0; i < 300; i++) text.insert(text.length, 'x');
		await client.flushed();
		client.destroy();
		await waitFor(() => !server.collab.hocuspocus.documents.has(name), { message: 'the notes to unload' });
		const rows = await t.rt.db.select().from(documents).where(eq(documents.name, name));
		expect(rows).toHaveLength(1);
		expect(rows[0].size).toBe(rows[0].state.byteLength);
		// 300 single-character updates compact to far less than their sum.
		expect(rows[0].size).toBeLessThan(updateBytes / 5);
		expect(await storedText(t.rt.db, name)).toBe('x'.repeat(300));
	});

	it('writes only when there is something new, deletions included', async () => {
		const { user, token } = await createUserWithSession(t.rt.db);
		const name = documentNames.notes(user.id);
		const client = open(name, token);
		await client.synced;
		const loaded = server.collab.hocuspocus.documents.get(name);
		expect(loaded).toBeDefined();
		const doc = loaded as NonNullable<typeof loaded>;
		const writtenAt = async () =>
			(await t.rt.db.select().from(documents).where(eq(documents.name, name)))[0]?.updatedAt.getTime() ?? null;

		// Opened and left untouched: nothing to write.
		await server.collab.persistence.storeExclusive(doc);
		expect(await writtenAt()).toBeNull();

		appendParagraph(client.doc, 'keep this');
		appendParagraph(client.doc, 'delete this');
		await client.flushed();
		await server.collab.persistence.storeExclusive(doc);
		const first = await writtenAt();
		expect(first).not.toBeNull();
		await server.collab.persistence.storeExclusive(doc);
		expect(await writtenAt()).toBe(first);

		// A deletion only: the state vector does not move, the document did.
		client.doc.getXmlFragment('default').delete(1, 1);
		await client.flushed();
		await server.collab.persistence.storeExclusive(doc);
		expect(await writtenAt()).not.toBe(first);
		expect(await storedText(t.rt.db, name)).toBe('keep this');
		client.destroy();
	});

	it('does not lose an edit when a client reconnects while the store is still running (hocuspocus#995)', async () => {
		const { user, token } = await createUserWithSession(t.rt.db);
		const name = documentNames.notes(user.id);
		const first = open(name, token);
		await first.synced;
		appendParagraph(first.doc, 'before the slow store');
		await first.flushed();
		const restore = slowTransactions(t.rt, 700);
		try {
			first.destroy(); // the last client leaves: the (slow) store starts now
			await waitFor(() => server.collab.hocuspocus.documents.get(name)?.saveMutex.isLocked(), {
				message: 'the store to be under way'
			});
			const second = open(name, token);
			await second.synced;
			expect(notesText(second.doc)).toBe('before the slow store');
			appendParagraph(second.doc, 'during the slow store');
			await second.flushed();
			second.destroy();
		} finally {
			await waitFor(() => !server.collab.hocuspocus.documents.has(name), { message: 'the notes to unload' });
			restore();
		}
		const third = open(name, token);
		await third.synced;
		expect(notesText(third.doc)).toBe('before the slow store\nduring the slow store');
		third.destroy();
	});

	it('retries a failing store, keeps the document loaded and reports it until the database is back', async () => {
		const { user, token } = await createUserWithSession(t.rt.db);
		const name = documentNames.notes(user.id);
		const client = open(name, token);
		await client.synced;
		appendParagraph(client.doc, 'written before the outage');
		await client.flushed();

		await t.database.handle.rows('alter table documents rename to documents_unreachable');
		try {
			const failuresBefore = (await t.rt.metrics.collabStoreFailures.get()).values[0]?.value ?? 0;
			client.destroy(); // the last client leaves: the store runs now, and fails
			await waitFor(() => server.collab.storeProblem(), { message: 'the store failure to be reported' });
			const readiness = await checkReadiness(t.rt);
			expect(readiness.ok).toBe(false);
			expect(readiness.checks.database.ok).toBe(true);
			expect(readiness.checks.sync).toMatchObject({ ok: false, detail: expect.stringMatching(/could not be stored/) });
			// Retried (at once, then in the background), and still loaded: nothing lost.
			await waitFor(
				async () => ((await t.rt.metrics.collabStoreFailures.get()).values[0]?.value ?? 0) >= failuresBefore + 4,
				{ message: 'background retries' }
			);
			expect(server.collab.hocuspocus.documents.has(name)).toBe(true);
			expect(server.collab.persistence.pinnedDocuments()).toEqual([name]);

			// Someone opens it during the outage: served from memory, and their edit is kept too.
			const late = open(name, token);
			await late.synced;
			expect(notesText(late.doc)).toBe('written before the outage');
			appendParagraph(late.doc, 'written during the outage');
			await late.flushed();
			late.destroy();
			expect(server.collab.hocuspocus.documents.has(name)).toBe(true);
		} finally {
			await t.database.handle.rows('alter table documents_unreachable rename to documents');
		}

		await waitFor(() => !server.collab.hocuspocus.documents.has(name), {
			message: 'the document to be stored and unloaded after recovery'
		});
		expect(server.collab.storeProblem()).toBeNull();
		expect((await checkReadiness(t.rt)).ok).toBe(true);
		expect(await storedText(t.rt.db, name)).toBe('written before the outage\nwritten during the outage');
	});

	it('lets the provider retry a document that cannot be loaded, instead of refusing it for good', async () => {
		const { user, token } = await createUserWithSession(t.rt.db);
		const name = documentNames.notes(user.id);
		const writer = open(name, token);
		await writer.synced;
		appendParagraph(writer.doc, 'stored earlier');
		await writer.flushed();
		writer.destroy();
		await waitFor(() => !server.collab.hocuspocus.documents.has(name), { message: 'the notes to unload' });

		await t.database.handle.rows('alter table documents rename to documents_unreachable');
		const reader = open(name, token);
		try {
			await waitFor(() => reader.closeCodes.filter((code) => code === UNAVAILABLE_CODE).length >= 2, {
				message: 'the provider to be disconnected (and to retry)'
			});
			expect(reader.refusals).toEqual([]);
			expect(server.collab.hocuspocus.documents.has(name)).toBe(false);
			expect(server.collab.hocuspocus.loadingDocuments.size).toBe(0);
		} finally {
			await t.database.handle.rows('alter table documents_unreachable rename to documents');
		}
		await reader.synced;
		expect(notesText(reader.doc)).toBe('stored earlier');
		reader.destroy();
	});

	it('refuses edits past the document size cap with a clear notice', async () => {
		const { user, token } = await createUserWithSession(t.rt.db);
		const name = documentNames.notes(user.id);
		const client = open(name, token);
		await client.synced;
		const kilobyte = (i: number) => `${i}`.padEnd(1024, '.');
		for (let i = 0; i < 12 && client.notices.length === 0; i++) {
			appendParagraph(client.doc, kilobyte(i));
			await waitFor(() => !client.provider.hasUnsyncedChanges || client.notices.length > 0, {
				message: 'the edit to be acknowledged or refused'
			});
		}
		expect(client.notices[0]).toMatchObject({ type: 'error', code: 'DOCUMENT_TOO_LARGE' });
		expect(client.notices[0].message).toMatch(/size limit \(8 KB\)/);
		const serverDoc = server.collab.hocuspocus.documents.get(name);
		expect(serverDoc).toBeDefined();
		const serverSize = Y.encodeStateAsUpdate(serverDoc as Y.Doc).byteLength;
		expect(serverSize).toBeLessThanOrEqual(8 * 1024);
		// Everything accepted before the cap is there; the refused paragraph is not.
		const accepted = notesText(serverDoc as Y.Doc).split('\n');
		expect(accepted.length).toBeGreaterThanOrEqual(5);
		expect(notesText(client.doc).split('\n')).toHaveLength(accepted.length + 1);

		// A single message over the message limit gets its own notice.
		const other = await createUserWithSession(t.rt.db);
		const huge = open(documentNames.notes(other.user.id), other.token);
		await huge.synced;
		appendParagraph(huge.doc, 'y'.repeat(20 * 1024));
		await waitFor(() => huge.notices.length > 0, { message: 'the message-too-large notice' });
		expect(huge.notices[0]).toMatchObject({ type: 'error', code: 'MESSAGE_TOO_LARGE' });
		expect(huge.notices[0].message).toMatch(/larger than 16 KB/);
		expect(notesText(server.collab.hocuspocus.documents.get(documentNames.notes(other.user.id)) as Y.Doc)).toBe('');
		client.destroy();
		huge.destroy();
		await waitFor(() => server.collab.documentCount() === 0, { message: 'documents to unload' });
		const stored = await storedDoc(t.rt.db, name);
		expect(Y.encodeStateAsUpdate(stored as Y.Doc).byteLength).toBeLessThanOrEqual(8 * 1024);
	});
});

describe.each(BACKENDS)('live documents: two servers on one database (%s)', (backend) => {
	let database: TestDatabase;
	let one: TestRuntime;
	let two: TestRuntime;
	let serverOne: RunningCollab;
	let serverTwo: RunningCollab;

	beforeAll(async () => {
		database = await createTestDatabase(backend);
		one = await createTestRuntime({ backend, database });
		two = await createTestRuntime({ backend, database });
		serverOne = await startCollab(one.rt);
		serverTwo = await startCollab(two.rt);
	});

	afterAll(async () => {
		await serverOne?.close();
		await serverTwo?.close();
		await one?.close();
		await two?.close();
		await database?.close();
	});

	it("merges on store: neither server overwrites the other's updates", async () => {
		const { user, token } = await createUserWithSession(database.handle.db);
		const name = documentNames.notes(user.id);
		// Not joined by Redis: each server only knows its own client's edit.
		const a = openDocument({ url: serverOne.url, name, token });
		const b = openDocument({ url: serverTwo.url, name, token });
		await Promise.all([a.synced, b.synced]);
		appendParagraph(a.doc, 'from server one');
		appendParagraph(b.doc, 'from server two');
		await Promise.all([a.flushed(), b.flushed()]);
		a.destroy();
		await waitFor(() => serverOne.collab.documentCount() === 0, { message: 'server one to store and unload' });
		expect(await storedText(database.handle.db, name)).toBe('from server one');
		b.destroy();
		await waitFor(() => serverTwo.collab.documentCount() === 0, { message: 'server two to store and unload' });
		const text = (await storedText(database.handle.db, name)) ?? '';
		expect(text.split('\n').sort()).toEqual(['from server one', 'from server two']);
	});

	it('merges on every store, not only the first, while both keep the document loaded', async () => {
		const { user, token } = await createUserWithSession(database.handle.db);
		const name = documentNames.notes(user.id);
		const a = openDocument({ url: serverOne.url, name, token });
		const b = openDocument({ url: serverTwo.url, name, token });
		await Promise.all([a.synced, b.synced]);
		for (let round = 0; round < 2; round++) {
			appendParagraph(a.doc, `one ${round}`);
			appendParagraph(b.doc, `two ${round}`);
			await Promise.all([a.flushed(), b.flushed()]);
			const docOne = serverOne.collab.hocuspocus.documents.get(name);
			const docTwo = serverTwo.collab.hocuspocus.documents.get(name);
			await serverOne.collab.persistence.storeExclusive(docOne!);
			await serverTwo.collab.persistence.storeExclusive(docTwo!);
		}
		const text = (await storedText(database.handle.db, name)) ?? '';
		expect(text.split('\n').sort()).toEqual(['one 0', 'one 1', 'two 0', 'two 1']);
		// Server two merged what server one stored, and its client got it live.
		await waitFor(() => notesText(b.doc).split('\n').length === 4, { message: 'the merge to reach the client' });
		a.destroy();
		b.destroy();
		await waitFor(() => serverOne.collab.documentCount() + serverTwo.collab.documentCount() === 0, {
			message: 'both servers to unload'
		});
	});
});
