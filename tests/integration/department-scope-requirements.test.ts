import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { documentNames } from '../../src/lib/collab/names';
import { ACCESS_CHANGED_CODE } from '../../sync-server/extensions/connections';
import { openDocument, waitFor, type OpenedTestDocument } from '../helpers/collab';
import { BACKENDS } from '../helpers/env';
import {
	addApplication,
	createCandidate,
	createMember,
	createOrg,
	openRequirement,
	startApp,
	type Member,
	type Org,
	type RunningApp
} from '../helpers/hiring';

/**
 * Department visibility of requirements and of what hangs off them (issue 7's groundwork): a
 * recruiter assigned to Engineering sees Engineering's requirements and those of its
 * sub-department Platform — not Sales' — through every read path (list, get, history, timeline,
 * comments, approvals chain, board, applications, interviews, offers, the live description and
 * board documents), while an unassigned recruiter and the admin see everything, a panelist keeps
 * their panel and a hiring manager their own requirements whatever their departments. A change
 * of departments applies at once, to REST and to live connections.
 */
describe.each(BACKENDS)('department scope of requirements on %s', (backend) => {
	let running: RunningApp;
	let org: Org;
	let scoped: Member;
	let engineering: string;
	let platform: string;
	let sales: string;
	const req = { eng: '', platform: '', sales: '' };
	const app = { eng: '', sales: '' };
	let salesVersion = 0;
	const interview = { onPanel: '', notOnPanel: '', inScope: '' };
	const opened: OpenedTestDocument[] = [];

	const ids = (items: Array<{ id: string }>) => items.map((i) => i.id);
	const ours = (list: string[]) => list.filter((id) => Object.values(req).includes(id)).sort();

	beforeAll(async () => {
		running = await startApp(backend);
		org = await createOrg(running);
		engineering = org.departmentId;
		const sub = await org.admin.api.post('/departments', { name: 'Platform', parent_id: engineering });
		expect(sub.status, JSON.stringify(sub.body)).toBe(201);
		platform = sub.body.data.id;
		const other = await org.admin.api.post('/departments', { name: 'Sales' });
		expect(other.status, JSON.stringify(other.body)).toBe(201);
		sales = other.body.data.id;

		req.eng = (await openRequirement(org, 'Backend Engineer')).id;
		req.platform = (await openRequirement(org, 'Platform Engineer', { department_id: platform })).id;
		req.sales = (await openRequirement(org, 'Account Executive', { department_id: sales })).id;
		const ada = await createCandidate(org.recruiter, { name: 'Ada Engineer' });
		const sam = await createCandidate(org.recruiter, { name: 'Sam Seller' });
		app.eng = (await addApplication(org.recruiter, req.eng, ada.id)).id;
		const salesApplication = await addApplication(org.recruiter, req.sales, sam.id);
		app.sales = salesApplication.id;
		salesVersion = salesApplication.version;

		scoped = await createMember(running, 'recruiter', 'Sid Scoped');
		const assigned = await org.admin.api.patch(`/users/${scoped.id}`, { department_ids: [engineering] });
		expect(assigned.status, JSON.stringify(assigned.body)).toBe(200);
	});

	afterAll(async () => {
		for (const doc of opened) doc.destroy();
		await running?.close();
	});

	it('sets department_ids through the users API (admins only, validated, audited) and shows them everywhere', async () => {
		// Validation: an unknown department and a non-UUID, each named.
		const unknown = await org.admin.api.patch(`/users/${scoped.id}`, {
			department_ids: [engineering, '00000000-0000-4000-8000-000000000000']
		});
		expect(unknown.status).toBe(422);
		expect(unknown.body.error.details).toEqual([{ field: 'department_ids.1', message: 'No such department' }]);
		const garbage = await org.admin.api.patch(`/users/${scoped.id}`, { department_ids: ['sales'] });
		expect(garbage.status).toBe(422);
		expect(garbage.body.error.details[0].field).toMatch(/^department_ids/);
		// A deleted department is no department.
		const gone = await org.admin.api.post('/departments', { name: 'Closed Office' });
		expect((await org.admin.api.delete(`/departments/${gone.body.data.id}`)).status).toBeLessThan(300);
		const deleted = await org.admin.api.patch(`/users/${scoped.id}`, { department_ids: [gone.body.data.id] });
		expect(deleted.status).toBe(422);
		// Only admins set them — not even for oneself.
		expect((await scoped.api.patch(`/users/${scoped.id}`, { department_ids: [] })).status).toBe(403);
		expect((await org.recruiter.api.patch(`/users/${scoped.id}`, { department_ids: [sales] })).status).toBe(403);

		// Shown in the user, the list and /auth/me; an unassigned user has none.
		const one = await org.admin.api.get(`/users/${scoped.id}`);
		expect(one.body.data.department_ids).toEqual([engineering]);
		const list = await org.admin.api.get(`/users?q=${encodeURIComponent('Sid Scoped')}`);
		expect(list.body.data.items.map((u: { department_ids: string[] }) => u.department_ids)).toEqual([[engineering]]);
		expect((await scoped.api.get('/auth/me')).body.data.user.department_ids).toEqual([engineering]);
		expect((await org.recruiter.api.get('/auth/me')).body.data.user.department_ids).toEqual([]);

		// Created with departments; the audit row carries before and after.
		const created = await org.admin.api.post('/users', {
			email: 'nia.new@example.com',
			name: 'Nia New',
			password: 'a long test password',
			role: 'viewer',
			department_ids: [sales, platform]
		});
		expect(created.status, JSON.stringify(created.body)).toBe(201);
		expect(created.body.data.department_ids).toEqual([sales, platform].sort());
		const changed = await org.admin.api.patch(`/users/${created.body.data.id}`, { department_ids: [sales] });
		expect(changed.body.data.department_ids).toEqual([sales]);
		const audit = await org.admin.api.get(
			`/audit-logs?entity_id=${created.body.data.id}&action=user.departments_changed`
		);
		expect(audit.status).toBe(200);
		const rows = audit.body.data.items as Array<{ before: unknown; after: unknown }>;
		expect(rows.map((r) => [r.before, r.after])).toEqual(
			expect.arrayContaining([
				[{ department_ids: [] }, { department_ids: [sales, platform].sort() }],
				[{ department_ids: [sales, platform].sort() }, { department_ids: [sales] }]
			])
		);
		expect(rows).toHaveLength(2);
	});

	it('lists, counts and opens only the requirements of the departments (and sub-departments) a recruiter works for', async () => {
		const list = await scoped.api.get('/requirements?page_size=100');
		expect(list.status).toBe(200);
		expect(ours(ids(list.body.data.items))).toEqual([req.eng, req.platform].sort());
		expect(list.body.data.pagination.total_items).toBe(2);
		// A filter does not bring the other department back.
		const filtered = await scoped.api.get(`/requirements?department_id=${sales}`);
		expect(filtered.body.data.items).toEqual([]);
		expect(filtered.body.data.pagination.total_items).toBe(0);
		const searched = await scoped.api.get(`/requirements?q=${encodeURIComponent('Account Executive')}`);
		expect(ours(ids(searched.body.data.items))).toEqual([]);

		// Every read path of the Sales requirement answers as if it did not exist.
		for (const path of ['', '/history', '/timeline', '/approvals', '/pipeline', '/applications']) {
			const res = await scoped.api.get(`/requirements/${req.sales}${path}`);
			expect(res.status, `GET ${path}`).toBe(404);
		}
		expect((await scoped.api.post(`/requirements/${req.sales}/comments`, { body: 'hello' })).status).toBe(404);
		expect((await scoped.api.get(`/applications/${app.sales}`)).status).toBe(404);
		const candidate = await createCandidate(scoped, { name: 'Nobody Yet' });
		expect(
			(await scoped.api.post(`/requirements/${req.sales}/applications`, { candidate_id: candidate.id })).status
		).toBe(404);
		// Nor can their role change it.
		expect((await scoped.api.post(`/requirements/${req.sales}/hold`, {})).status).toBe(403);
		expect((await scoped.api.put(`/requirements/${req.sales}/scorecard-templates`, { templates: {} })).status).toBe(
			403
		);
		const bulk = await scoped.api.post(`/requirements/${req.sales}/pipeline/bulk`, {
			action: 'tag',
			application_ids: [app.sales],
			tags: ['nope']
		});
		expect(bulk.status).toBe(403);
		const move = await scoped.api.patch(`/applications/${app.sales}/stage`, {
			stage: 'screening',
			version: salesVersion
		});
		expect(move.status).toBe(403);

		// Their own departments work as before.
		expect((await scoped.api.get(`/requirements/${req.platform}`)).status).toBe(200);
		expect((await scoped.api.get(`/requirements/${req.eng}/pipeline`)).body.data.cards).toHaveLength(1);
		expect((await scoped.api.get(`/applications/${app.eng}`)).status).toBe(200);
		expect((await scoped.api.post(`/requirements/${req.eng}/comments`, { body: 'mine' })).status).toBe(201);
		expect((await scoped.api.put(`/requirements/${req.eng}/scorecard-templates`, { templates: {} })).status).toBe(200);
		const tagged = await scoped.api.post(`/requirements/${req.eng}/pipeline/bulk`, {
			action: 'tag',
			application_ids: [app.eng],
			tags: ['shortlist']
		});
		expect(tagged.status, JSON.stringify(tagged.body)).toBe(200);
		expect(tagged.body.data.succeeded).toBe(1);

		// An unassigned recruiter and the admin see all three.
		for (const who of [org.recruiter, org.admin]) {
			const all = await who.api.get('/requirements?page_size=100');
			expect(ours(ids(all.body.data.items))).toEqual(Object.values(req).sort());
			expect((await who.api.get(`/requirements/${req.sales}/pipeline`)).status).toBe(200);
			expect((await who.api.get(`/applications/${app.sales}`)).status).toBe(200);
		}
	});

	it('keeps what a user holds directly: a hiring manager their own requirements, an approver their approvals', async () => {
		// The hiring manager of all three, limited to Sales, still sees their Engineering ones.
		expect((await org.admin.api.patch(`/users/${org.manager.id}`, { department_ids: [sales] })).status).toBe(200);
		const theirs = await org.manager.api.get('/requirements?page_size=100');
		expect(ours(ids(theirs.body.data.items))).toEqual(Object.values(req).sort());
		expect((await org.manager.api.get(`/requirements/${req.eng}/pipeline`)).status).toBe(200);
		// The approver who decided on all three, limited to Sales, still opens them.
		expect((await org.admin.api.patch(`/users/${org.approver.id}`, { department_ids: [sales] })).status).toBe(200);
		const approved = await org.approver.api.get('/requirements?page_size=100');
		expect(ours(ids(approved.body.data.items))).toEqual(Object.values(req).sort());
		expect((await org.approver.api.get(`/requirements/${req.eng}/approvals`)).status).toBe(200);
		// A viewer limited to Sales sees Sales only (no direct relation to the others).
		expect((await org.admin.api.patch(`/users/${org.viewer.id}`, { department_ids: [sales] })).status).toBe(200);
		const viewed = await org.viewer.api.get('/requirements?page_size=100');
		expect(ours(ids(viewed.body.data.items))).toEqual([req.sales]);
		expect((await org.viewer.api.get(`/requirements/${req.eng}/pipeline`)).status).toBe(404);
	});

	it('scopes interviews and offers, while a panelist keeps their panel', async () => {
		const schedule = (who: Member, applicationId: string, panel: string[], hour: number) =>
			who.api.post('/interviews', {
				application_id: applicationId,
				type: 'technical',
				starts_at: `2031-03-0${hour}T10:00:00Z`,
				ends_at: `2031-03-0${hour}T11:00:00Z`,
				time_zone: 'UTC',
				panel: panel.map((user_id) => ({ user_id }))
			});
		const withSid = await schedule(org.recruiter, app.sales, [scoped.id], 1);
		expect(withSid.status, JSON.stringify(withSid.body)).toBe(201);
		const without = await schedule(org.recruiter, app.sales, [org.interviewer.id], 2);
		expect(without.status, JSON.stringify(without.body)).toBe(201);
		const engInterview = await schedule(org.recruiter, app.eng, [org.interviewer.id], 3);
		expect(engInterview.status).toBe(201);
		const onPanel = withSid.body.data.interview.id as string;
		const notOnPanel = without.body.data.interview.id as string;
		const inScope = engInterview.body.data.interview.id as string;
		Object.assign(interview, { onPanel, notOnPanel, inScope });

		expect((await scoped.api.get(`/interviews/${onPanel}`)).status).toBe(200);
		expect((await scoped.api.get(`/interviews/${notOnPanel}`)).status).toBe(403);
		expect((await scoped.api.get(`/interviews/${notOnPanel}/invite.ics`)).status).toBe(403);
		expect((await scoped.api.get(`/interviews/${inScope}`)).status).toBe(200);
		const listed = await scoped.api.get('/interviews?page_size=100');
		const listedIds = ids(listed.body.data.items);
		expect(listedIds).toEqual(expect.arrayContaining([onPanel, inScope]));
		expect(listedIds).not.toContain(notOnPanel);
		const everyone = ids((await org.recruiter.api.get('/interviews?page_size=100')).body.data.items);
		expect(everyone).toEqual(expect.arrayContaining([onPanel, notOnPanel, inScope]));
		// They cannot schedule on the other department's application, nor change its interviews.
		const refused = await schedule(scoped, app.sales, [scoped.id], 4);
		expect(refused.status).toBe(422);
		expect(refused.body.error.details[0].field).toBe('application_id');
		const edit = await scoped.api.patch(`/interviews/${notOnPanel}`, {
			video_link: 'https://meet.example.com/x',
			version: without.body.data.interview.version
		});
		expect(edit.status).toBe(403);
		// The debrief of that application: their panel is theirs, the rest of it stays closed.
		const debrief = await scoped.api.get(`/applications/${app.sales}/debrief`);
		expect(debrief.status).toBe(200);
		const visibility = Object.fromEntries(
			(debrief.body.data.interviews as Array<{ id: string; visible: boolean }>).map((i) => [i.id, i.visible])
		);
		expect(visibility[notOnPanel]).toBe(false);
		const seen = await org.recruiter.api.get(`/applications/${app.sales}/debrief`);
		expect(
			(seen.body.data.interviews as Array<{ id: string; visible: boolean }>).find((i) => i.id === notOnPanel)?.visible
		).toBe(true);

		const draft = (applicationId: string) =>
			org.recruiter.api.post('/offers', {
				application_id: applicationId,
				base_salary: 70_000,
				currency: 'EUR',
				start_date: '2031-05-01',
				expiry_date: '2031-04-01'
			});
		const salesOffer = await draft(app.sales);
		expect(salesOffer.status, JSON.stringify(salesOffer.body)).toBe(201);
		const engOffer = await draft(app.eng);
		expect(engOffer.status).toBe(201);
		expect((await scoped.api.get(`/offers/${salesOffer.body.data.id}`)).status).toBe(403);
		expect((await scoped.api.get(`/offers/${engOffer.body.data.id}`)).status).toBe(200);
		const offers = ids((await scoped.api.get('/offers?page_size=100')).body.data.items);
		expect(offers).toContain(engOffer.body.data.id);
		expect(offers).not.toContain(salesOffer.body.data.id);
		const creating = await scoped.api.post('/offers', {
			application_id: app.sales,
			base_salary: 1,
			currency: 'EUR',
			start_date: '2031-05-01',
			expiry_date: '2031-04-01'
		});
		expect(creating.status).toBe(403);
		const all = ids((await org.recruiter.api.get('/offers?page_size=100')).body.data.items);
		expect(all).toEqual(expect.arrayContaining([salesOffer.body.data.id, engOffer.body.data.id]));
	});

	it("refuses the live description and board of another department's requirement", async () => {
		const open = (name: string, who: Member) => {
			const doc = openDocument({ url: running.collabUrl, name, token: who.token });
			opened.push(doc);
			return doc;
		};
		await expect(open(documentNames.requirementDescription(req.sales), scoped).authenticated).rejects.toThrow(
			/forbidden/
		);
		await expect(open(documentNames.pipeline(req.sales), scoped).authenticated).rejects.toThrow(/forbidden/);
		await expect(open(documentNames.requirementDescription(req.platform), scoped).authenticated).resolves.toBe(
			'read-write'
		);
		await expect(open(documentNames.pipeline(req.eng), scoped).authenticated).resolves.toBe('read-write');
		// Interview notes: their own panel's, yes; another panel of that department, no.
		await expect(open(documentNames.interviewNotes(interview.notOnPanel), scoped).authenticated).rejects.toThrow(
			/forbidden/
		);
		await expect(open(documentNames.interviewNotes(interview.onPanel), scoped).authenticated).resolves.toBe(
			'read-write'
		);
		await expect(open(documentNames.interviewNotes(interview.inScope), scoped).authenticated).resolves.toBe(
			'read-write'
		);
		// The unassigned recruiter opens the Sales ones.
		await expect(open(documentNames.pipeline(req.sales), org.recruiter).authenticated).resolves.toBe('read-write');
		await expect(open(documentNames.requirementDescription(req.sales), org.recruiter).authenticated).resolves.toBe(
			'read-write'
		);
	});

	it('applies a change of departments at once: REST answers change, and live connections are closed and re-authorised', async () => {
		const mover = await createMember(running, 'recruiter', 'Mo Mover');
		expect((await org.admin.api.patch(`/users/${mover.id}`, { department_ids: [engineering] })).status).toBe(200);
		const board = openDocument({ url: running.collabUrl, name: documentNames.pipeline(req.eng), token: mover.token });
		opened.push(board);
		await board.synced;
		const description = openDocument({
			url: running.collabUrl,
			name: documentNames.requirementDescription(req.platform),
			token: mover.token
		});
		opened.push(description);
		await description.synced;
		// A bystander's connection stays open.
		const bystander = openDocument({
			url: running.collabUrl,
			name: documentNames.pipeline(req.eng),
			token: org.recruiter.token
		});
		opened.push(bystander);
		await bystander.synced;
		expect((await mover.api.get(`/requirements/${req.sales}`)).status).toBe(404);

		// Moved to Sales: Engineering's documents stop syncing, Sales' open.
		const moved = await org.admin.api.patch(`/users/${mover.id}`, { department_ids: [sales] });
		expect(moved.status).toBe(200);
		expect((await mover.api.get(`/requirements/${req.sales}`)).status).toBe(200);
		expect((await mover.api.get(`/requirements/${req.eng}`)).status).toBe(404);
		await waitFor(() => board.closeCodes.includes(ACCESS_CHANGED_CODE), { message: 'the board to be closed' });
		await waitFor(() => description.closeCodes.includes(ACCESS_CHANGED_CODE), {
			message: 'the description to be closed'
		});
		// The providers reconnect by themselves, with a session still valid, and are refused.
		await waitFor(() => board.refusals.length > 0, { message: 'the board to reconnect and be refused' });
		await waitFor(() => description.refusals.length > 0, { message: 'the description to be refused' });
		expect(board.refusals[0]).toMatch(/forbidden/);
		expect(bystander.closeCodes).toEqual([]);
		// The session lives on: Sales' board opens on a new connection.
		const salesBoard = openDocument({
			url: running.collabUrl,
			name: documentNames.pipeline(req.sales),
			token: mover.token
		});
		opened.push(salesBoard);
		await expect(salesBoard.authenticated).resolves.toBe('read-write');
		expect((await mover.api.get('/auth/me')).status).toBe(200);
	});
});
