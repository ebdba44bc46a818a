import { randomUUID } from 'node:crypto';
import * as encoding from 'lib0/encoding';
import { HocuspocusProviderWebsocket } from '@hocuspocus/provider';
import WebSocket from 'ws';
import * as Y from 'yjs';
import { Awareness, encodeAwarenessUpdate } from 'y-protocols/awareness';
import { writeSyncStep1 } from 'y-protocols/sync';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { documentNames } from '../../src/lib/collab/names';
import { notesText } from '../../src/lib/collab/notes';
import { invalidateSession, invalidateUserSessions, sessionIdOf } from '../../src/lib/server/auth/session';
import { documents, sessions } from '../../src/lib/server/db/schema';
import { channels } from '../../src/lib/server/events/bus';
import { registerDocumentAccess } from '../../sync-server/authorize';
import { SESSION_ENDED_CODE } from '../../sync-server/extensions/connections';
import { POLICY_VIOLATION_CODE } from '../../sync-server/socket-guard';
import {
	appendParagraph,
	closed,
	connectSocket,
	createSessionFor,
	createUserWithSession,
	frame,
	NodeWebSocket,
	openDocument,
	rawSocket,
	startCollab,
	waitFor,
	type OpenedTestDocument,
	type RunningCollab
} from '../helpers/collab';
import { BACKENDS } from '../helpers/env';
import { createTestRuntime, type TestRuntime } from '../helpers/runtime';

const MESSAGE_SYNC = 0;
const MESSAGE_AWARENESS = 1;
const MESSAGE_BROADCAST_STATELESS = 6;

describe.each(BACKENDS)('live documents: who may open what (%s)', (backend) => {
	let t: TestRuntime;
	let server: RunningCollab;
	const opened: OpenedTestDocument[] = [];
	const open = (options: Parameters<typeof openDocument>[0]) => {
		const doc = openDocument({ url: server.url, ...options });
		opened.push(doc);
		return doc;
	};
	let restoreAccess: () => void;

	beforeAll(async () => {
		t = await createTestRuntime({ backend });
		server = await startCollab(t.rt, {
			limits: { maxPreAuthMessages: 40, maxDocumentsPerSocket: 10, authTimeoutMs: 1500 }
		});
		// A document type everyone may read here and no one may write: a stand-in with no domain
		// rules of its own (interview notes have no derivation yet), so only the spine is tested.
		restoreAccess = registerDocumentAccess('interview_notes', async () => 'read');
	});

	afterAll(async () => {
		for (const doc of opened) doc.destroy();
		restoreAccess?.();
		await server?.close();
		await t?.close();
	});

	it('refuses a connection without a token or with a bad one', async () => {
		const { user } = await createUserWithSession(t.rt.db);
		const name = documentNames.notes(user.id);
		const none = open({ name, token: '' });
		await expect(none.authenticated).rejects.toThrow(/unauthenticated/);
		const bad = open({ name, token: 'a'.repeat(32) });
		await expect(bad.authenticated).rejects.toThrow(/unauthenticated/);
		const garbage = open({ name, token: 'not even the right shape' });
		await expect(garbage.authenticated).rejects.toThrow(/unauthenticated/);
		// An ended session is no better than a made-up token.
		const ended = await createUserWithSession(t.rt.db);
		await invalidateSession(t.rt.db, ended.sessionId);
		const stale = open({ name: documentNames.notes(ended.user.id), token: ended.token });
		await expect(stale.authenticated).rejects.toThrow(/unauthenticated/);
		// None of them got a document loaded on the server.
		expect(server.collab.hocuspocus.documents.has(name)).toBe(false);
	});

	it('authenticates from the session cookie of the upgrade request, and refuses other origins', async () => {
		const { user, token } = await createUserWithSession(t.rt.db);
		const withCookie = class extends NodeWebSocket {
			constructor(url: string) {
				super(url, { headers: { cookie: `theme=dark; hh_session=${token}` } });
			}
		};
		const doc = openDocument({
			socket: new HocuspocusProviderWebsocket({
				url: server.url,
				WebSocketPolyfill: withCookie
			}),
			name: documentNames.notes(user.id),
			token: ''
		});
		opened.push(doc);
		await expect(doc.authenticated).resolves.toBe('read-write');
		doc.socket.destroy();

		const foreign = new WebSocket(server.url, {
			headers: { origin: 'https://evil.example', cookie: `hh_session=${token}` }
		});
		const status = await new Promise<number>((resolve) => {
			foreign.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
			foreign.on('open', () => resolve(101));
		});
		expect(status).toBe(403);
	});

	it("refuses another user's notes and opens one's own", async () => {
		const alice = await createUserWithSession(t.rt.db, { role: 'admin' });
		const bob = await createUserWithSession(t.rt.db, { role: 'super_admin' });
		const socket = connectSocket(server.url);
		// Bob, even as super admin, cannot read Alice's notes — refused on the same socket that
		// then opens his own.
		const theirs = open({ socket, name: documentNames.notes(alice.user.id), token: bob.token });
		await expect(theirs.authenticated).rejects.toThrow(/forbidden/);
		const mine = open({ socket, name: documentNames.notes(bob.user.id), token: bob.token });
		await expect(mine.authenticated).resolves.toBe('read-write');
		await mine.synced;
		appendParagraph(mine.doc, 'bob was here');
		await mine.flushed();
		// What Bob typed into the refused document never reaches the server.
		appendParagraph(theirs.doc, 'bob sneaks into alice');
		appendParagraph(mine.doc, 'second line');
		await mine.flushed();
		expect(server.collab.hocuspocus.documents.has(documentNames.notes(alice.user.id))).toBe(false);
		// Nor is a made-up document name accepted.
		const unknown = open({ socket, name: 'notes:../../etc/passwd', token: bob.token });
		await expect(unknown.authenticated).rejects.toThrow(/forbidden/);
		const aliceOwn = open({ name: documentNames.notes(alice.user.id), token: alice.token });
		await aliceOwn.synced;
		expect(notesText(aliceOwn.doc)).toBe('');
		socket.destroy();
	});

	it('decides read-only per document on one shared socket (hocuspocus#613)', async () => {
		const { user, token } = await createUserWithSession(t.rt.db);
		const readable = documentNames.interviewNotes(randomUUID());
		const writable = documentNames.notes(user.id);
		// Seed the read-only document with content, as its owner domain would.
		const direct = await server.collab.hocuspocus.openDirectConnection(readable);
		try {
			await direct.transact((doc) => doc.getMap('board').set('seed', 'original'));
		} finally {
			await direct.disconnect();
		}

		for (const order of ['read-only first', 'writable first'] as const) {
			const socket = connectSocket(server.url);
			const first = order === 'read-only first' ? readable : writable;
			const second = order === 'read-only first' ? writable : readable;
			const a = open({ socket, name: first, token });
			const b = open({ socket, name: second, token });
			const ro = first === readable ? a : b;
			const rw = first === readable ? b : a;
			expect(await ro.authenticated).toBe('readonly');
			expect(await rw.authenticated).toBe('read-write');
			await Promise.all([ro.synced, rw.synced]);
			expect(ro.doc.getMap('board').get('seed')).toBe('original');

			ro.doc.getMap('board').set('seed', `tampered (${order})`);
			appendParagraph(rw.doc, `written (${order})`);
			await rw.flushed();
			// Same socket, in order: the read-only edit was handled before the writable one.
			const serverReadable = server.collab.hocuspocus.documents.get(readable);
			expect(serverReadable?.getMap('board').get('seed')).toBe('original');
			expect(ro.provider.hasUnsyncedChanges).toBe(true);
			ro.destroy();
			rw.destroy();
			socket.destroy();
		}

		// Stored: the writable document has both edits, the read-only one none.
		const { documents: loaded } = server.collab.hocuspocus;
		await waitFor(() => !loaded.has(readable) && !loaded.has(writable), { message: 'documents to unload' });
		const rows = await t.rt.db.select().from(documents);
		const stored = (name: string) => {
			const row = rows.find((r) => r.name === name);
			const doc = new Y.Doc();
			if (row) Y.applyUpdate(doc, row.state);
			return doc;
		};
		expect(stored(readable).getMap('board').get('seed')).toBe('original');
		expect(notesText(stored(writable))).toBe('written (read-only first)\nwritten (writable first)');
	});

	it('shows the session identity in presence, never what the client claims (hocuspocus#1055)', async () => {
		const victim = await createUserWithSession(t.rt.db, { name: 'Victor Victim' });
		const { user, token } = await createUserWithSession(t.rt.db, { name: 'Rita Real' });
		const name = documentNames.notes(user.id);
		const liar = open({ name, token });
		const observer = open({ name, token: await createSessionFor(t.rt.db, user.id) });
		await Promise.all([liar.synced, observer.synced]);

		liar.provider.setAwarenessField('user', { name: 'Mallory', id: victim.user.id, color: '#000' });
		liar.provider.setAwarenessField('cursor', { anchor: 1, head: 1 });
		const seen = await waitFor(
			() => {
				const state = observer.provider.awareness?.getStates().get(liar.doc.clientID);
				return state?.cursor ? state : null;
			},
			{ message: "the liar's presence at the observer" }
		);
		expect(seen.user).toEqual({ id: user.id, name: 'Rita Real', color: expect.any(String) });
		liar.destroy();
		observer.destroy();
	});

	it("keeps one user from speaking for another's presence on a shared document", async () => {
		const mallory = await createUserWithSession(t.rt.db, { name: 'Mallory Real' });
		const victim = await createUserWithSession(t.rt.db, { name: 'Victor Victim' });
		const name = documentNames.interviewNotes(randomUUID()); // everyone may read these here (see beforeAll)
		const m = open({ name, token: mallory.token });
		const v = open({ name, token: victim.token });
		await Promise.all([m.synced, v.synced]);
		v.provider.setAwarenessField('cursor', { anchor: 1, head: 1 });
		await waitFor(() => m.provider.awareness?.getStates().get(v.doc.clientID)?.cursor?.anchor === 1, {
			message: "the victim's presence at mallory"
		});

		// Mallory claims the victim's name, and sends a state for the victim's own client id with
		// a newer clock than the real one.
		m.provider.setAwarenessField('user', { name: 'Victor Victim', id: victim.user.id });
		const forger = new Awareness(new Y.Doc());
		forger.clientID = v.doc.clientID;
		for (let i = 0; i < 5; i++) forger.setLocalState({ cursor: { anchor: 99, head: 99 } });
		const forged = encodeAwarenessUpdate(forger, [forger.clientID]);
		m.socket.send(frame(name, MESSAGE_AWARENESS, (e) => encoding.writeVarUint8Array(e, forged)));
		m.provider.setAwarenessField('cursor', { anchor: 7, head: 7 });

		const seen = await waitFor(
			() => {
				const state = v.provider.awareness?.getStates().get(m.doc.clientID);
				return state?.cursor?.anchor === 7 ? state : null;
			},
			{ message: "mallory's latest presence at the victim" }
		);
		expect(seen.user).toEqual({ id: mallory.user.id, name: 'Mallory Real', color: expect.any(String) });
		const onServer = server.collab.hocuspocus.documents.get(name)?.awareness.getStates().get(v.doc.clientID);
		expect(onServer?.cursor).toEqual({ anchor: 1, head: 1 });
		expect(onServer?.user?.id).toBe(victim.user.id);
		expect(m.provider.awareness?.getStates().get(v.doc.clientID)?.cursor).toEqual({ anchor: 1, head: 1 });
		m.destroy();
		v.destroy();
	});

	it("coalesces presence per client: another session's echo never swallows one's own update", async () => {
		const { user, token } = await createUserWithSession(t.rt.db);
		const name = documentNames.notes(user.id);
		const a = open({ name, token });
		const b = open({ name, token: await createSessionFor(t.rt.db, user.id) });
		await Promise.all([a.synced, b.synced]);
		b.provider.setAwarenessField('cursor', { anchor: 5, head: 5 });
		await waitFor(() => a.provider.awareness?.getStates().get(b.doc.clientID)?.cursor?.anchor === 5, {
			message: "b's presence at a"
		});
		// Two caret moves within one throttle interval, then the echo of b's state that a stock
		// provider sends back whenever it hears of b.
		a.provider.setAwarenessField('cursor', { anchor: 1, head: 1 });
		a.provider.setAwarenessField('cursor', { anchor: 2, head: 2 });
		const echo = encodeAwarenessUpdate(a.provider.awareness as Awareness, [b.doc.clientID]);
		a.socket.send(frame(name, MESSAGE_AWARENESS, (e) => encoding.writeVarUint8Array(e, echo)));
		await waitFor(() => b.provider.awareness?.getStates().get(a.doc.clientID)?.cursor?.anchor === 2, {
			message: "a's last caret move at b"
		});
		expect(b.provider.awareness?.getStates().get(a.doc.clientID)?.user?.id).toBe(user.id);
		a.destroy();
		b.destroy();
	});

	it('closes live connections promptly when sessions end, and the provider cannot come back', async () => {
		const { user, token } = await createUserWithSession(t.rt.db);
		const otherToken = await createSessionFor(t.rt.db, user.id);
		const bystander = await createUserWithSession(t.rt.db);
		const name = documentNames.notes(user.id);
		const laptop = open({ name, token });
		const phone = open({ name, token: otherToken });
		const other = open({ name: documentNames.notes(bystander.user.id), token: bystander.token });
		await Promise.all([laptop.synced, phone.synced, other.synced]);

		// Logout of one session: only that session's connection closes.
		await invalidateSession(t.rt.db, sessionIdOf(token));
		let started = Date.now();
		await t.rt.bus.publish(channels.auth, { type: 'session.ended', userId: user.id, sessionId: sessionIdOf(token) });
		await waitFor(() => laptop.closeCodes.includes(SESSION_ENDED_CODE), { message: 'the laptop to be closed' });
		expect(Date.now() - started).toBeLessThan(1000);
		// It reconnects by itself and is refused: the token is dead.
		await waitFor(() => laptop.refusals.length > 0, { message: 'the laptop to reconnect and be refused' });
		expect(laptop.refusals[0]).toMatch(/unauthenticated/);
		expect(phone.closeCodes).toEqual([]);

		// A role change / deactivation ends all of them.
		await invalidateUserSessions(t.rt.db, user.id);
		started = Date.now();
		await t.rt.bus.publish(channels.auth, { type: 'sessions.revoked', userId: user.id });
		await waitFor(() => phone.closeCodes.includes(SESSION_ENDED_CODE), { message: 'the phone to be closed' });
		expect(Date.now() - started).toBeLessThan(1000);
		// Edits typed after the revocation are not accepted anywhere.
		appendParagraph(phone.doc, 'typed after revocation');
		await waitFor(() => phone.refusals.length > 0, { message: 'the phone to reconnect and be refused' });
		expect(phone.refusals[0]).toMatch(/unauthenticated/);
		expect(notesText(server.collab.hocuspocus.documents.get(name) ?? new Y.Doc())).not.toContain(
			'typed after revocation'
		);
		// The bystander's connection was left alone.
		expect(other.closeCodes).toEqual([]);
		appendParagraph(other.doc, 'still here');
		await other.flushed();
		laptop.destroy();
		phone.destroy();
		other.destroy();
		await waitFor(() => !server.collab.hocuspocus.documents.has(name), { message: 'the notes to unload' });
		const [row] = await t.rt.db.select().from(documents).where(eq(documents.name, name));
		const storedDoc = new Y.Doc();
		if (row) Y.applyUpdate(storedDoc, row.state);
		expect(notesText(storedDoc)).not.toContain('typed after revocation');
	});

	it('re-checks sessions periodically: a session that expires without any event is cut off', async () => {
		// A server of its own with a short re-check, so no other test here is helped by it.
		const quick = await startCollab(t.rt, { limits: { sessionRecheckMs: 150 } });
		try {
			const { user, token, sessionId } = await createUserWithSession(t.rt.db);
			const client = openDocument({ url: quick.url, name: documentNames.notes(user.id), token });
			opened.push(client);
			await client.synced;
			await t.rt.db
				.update(sessions)
				.set({ expiresAt: new Date(Date.now() - 1000) })
				.where(eq(sessions.id, sessionId));
			await waitFor(() => client.closeCodes.includes(SESSION_ENDED_CODE), {
				message: 'the expired session to be cut off'
			});
			await waitFor(() => client.refusals.length > 0, { message: 'the reconnect to be refused' });
			expect(client.refusals[0]).toMatch(/unauthenticated/);
			expect(quick.collab.tracker.count()).toBe(0);
			client.destroy();
		} finally {
			await quick.close();
			t.rt.collab = server.collab;
		}
	});

	it('closes a connection that authenticates nothing in time', async () => {
		const idle = await rawSocket(server.url);
		const started = performance.now();
		expect(await closed(idle)).toBe(POLICY_VIOLATION_CODE);
		expect(performance.now() - started).toBeGreaterThan(1000);
		// A refused provider too (it would otherwise hold its socket for ever).
		const refused = open({ name: documentNames.notes(randomUUID()), token: 'b'.repeat(32) });
		await expect(refused.authenticated).rejects.toThrow(/unauthenticated/);
		await waitFor(() => refused.closeCodes.includes(POLICY_VIOLATION_CODE), { message: 'the refused socket to close' });
		refused.destroy();
	});

	it('closes a socket that floods before authenticating (GHSA-xwhh-v746-pj9m)', async () => {
		const { user } = await createUserWithSession(t.rt.db);
		const ws = await rawSocket(server.url);
		const code = closed(ws);
		const name = documentNames.notes(user.id);
		const step1 = frame(name, MESSAGE_SYNC, (e) => writeSyncStep1(e, new Y.Doc()));
		for (let i = 0; i < 100; i++) ws.send(step1);
		expect(await code).toBe(POLICY_VIOLATION_CODE);
	});

	it('limits what is open and pending on a socket, not what it ever opened', async () => {
		const { token } = await createUserWithSession(t.rt.db);
		const socket = connectSocket(server.url);
		const closes: number[] = [];
		socket.on('close', ({ event }: { event: { code: number } }) => closes.push(event.code));
		// Each provider sends ~3 frames before it is authenticated: 30 documents send far more
		// than the 40 pre-auth frames allowed, and are more than the 10 documents allowed at once,
		// but never more than one at a time.
		for (let i = 0; i < 30; i++) {
			const doc = open({ socket, name: documentNames.interviewNotes(randomUUID()), token });
			expect(await doc.authenticated).toBe('readonly');
			await doc.synced;
			doc.destroy();
		}
		expect(socket.status).toBe('connected');
		expect(closes).toEqual([]);
		// Eleven at once is one too many.
		for (let i = 0; i < 11; i++) open({ socket, name: documentNames.interviewNotes(randomUUID()), token });
		await waitFor(() => closes.length > 0, { message: 'the socket to be closed' });
		expect(closes[0]).toBe(POLICY_VIOLATION_CODE);
		socket.destroy();
	});

	it('drops a client BroadcastStateless frame', async () => {
		const { user, token } = await createUserWithSession(t.rt.db);
		const name = documentNames.notes(user.id);
		const sender = open({ name, token });
		const receiver = open({ name, token: await createSessionFor(t.rt.db, user.id) });
		await Promise.all([sender.synced, receiver.synced]);
		const forged = JSON.stringify({ type: 'error', code: 'READ_ONLY', message: 'Your account was deleted' });
		sender.socket.send(frame(name, MESSAGE_BROADCAST_STATELESS, (e) => encoding.writeVarString(e, forged)));
		// An edit after it on the same socket: once the receiver has it, the frame was handled.
		appendParagraph(sender.doc, 'after the broadcast');
		await waitFor(() => notesText(receiver.doc).includes('after the broadcast'), { message: 'the edit' });
		expect(receiver.notices).toEqual([]);
		expect(sender.notices).toEqual([]);
		expect(sender.socket.status).toBe('connected');
	});
});
