/**
 * The browser's typed client for the JSON API (`/api/v1`). Writes go through here so that the
 * offline outbox can later queue and replay them.
 */
import { error as svelteKitError } from '@sveltejs/kit';
import type { ApprovalRule, ApprovalStatus, ApproverSpec } from '$lib/domain/approvals';
import type { NotificationKind } from '$lib/domain/notifications';
import type { EmploymentType, RemotePolicy, RequirementAction, RequirementStatus } from '$lib/domain/requirements';
import type { Role } from '$lib/roles';
import type { WriteMethod } from '$lib/offline/outbox';
import { cachedResponse, storeResponse } from '$lib/offline/records';
import { signedInUserId } from '$lib/offline/session';
import { queueWrite } from '$lib/offline/sync.svelte';

export interface FieldIssue {
	field: string;
	message: string;
}

export interface Pagination {
	page: number;
	page_size: number;
	total_items: number;
	total_pages: number;
}

export interface ListData<T> {
	items: T[];
	pagination: Pagination;
}

export class ApiError extends Error {
	constructor(
		readonly status: number,
		readonly code: string,
		message: string,
		readonly details: FieldIssue[] = [],
		readonly data?: unknown
	) {
		super(message);
	}

	/** Field errors keyed by field name, for forms. */
	fieldErrors(): Record<string, string> {
		return Object.fromEntries(this.details.map((d) => [d.field, d.message]));
	}
}

type Fetch = typeof fetch;

const WRITES = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** The signed-in user in the browser (null on the server and on signed-out pages). */
function browserUser(): string | null {
	if (typeof window === 'undefined' || typeof indexedDB === 'undefined') return null;
	return signedInUserId();
}

async function send(
	fetchFn: Fetch,
	method: string,
	path: string,
	body: unknown,
	headers: Record<string, string>
): Promise<Response | null> {
	try {
		return await fetchFn(`/api/v1${path}`, {
			method,
			headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
			body: body === undefined ? undefined : JSON.stringify(body),
			credentials: 'same-origin'
		});
	} catch {
		return null;
	}
}

/**
 * One API call. In the browser (issue 6): every write carries an Idempotency-Key; a write made
 * offline, or that fails with a network error, goes into the user's outbox under that key and
 * answers the optimistic record (marked `pending: true`); it is replayed on reconnect. GET answers
 * are kept in the record cache and answered from it when the network is gone (first, offline).
 */
async function request<T>(
	fetchFn: Fetch,
	method: string,
	path: string,
	body?: unknown,
	headers: Record<string, string> = {}
): Promise<T> {
	const userId = browserUser();
	const write = WRITES.has(method);
	if (userId && write && !Object.keys(headers).some((h) => h.toLowerCase() === 'idempotency-key')) {
		headers = { ...headers, 'idempotency-key': crypto.randomUUID() };
	}
	const key = Object.entries(headers).find(([h]) => h.toLowerCase() === 'idempotency-key')?.[1];
	const queue = async (): Promise<T> => {
		const optimistic = await queueWrite(userId!, method as WriteMethod, path, body, key!);
		return (optimistic ?? { pending: true }) as T;
	};
	const offline = typeof navigator !== 'undefined' && !navigator.onLine;
	if (userId && write && key && offline) return queue();
	// Offline, the record cache answers first, also while a page loaded from the service worker
	// hydrates: it holds what was written offline, the page's own copy does not.
	if (userId && method === 'GET' && offline) {
		const cached = await cachedResponse(path).catch(() => null);
		if (cached) return cached.body as T;
	}
	const response = await send(fetchFn, method, path, body, headers);
	if (!response) {
		if (userId && write && key) return queue();
		if (userId && method === 'GET') {
			const cached = await cachedResponse(path).catch(() => null);
			if (cached) return cached.body as T;
		}
		throw new ApiError(0, 'NETWORK_ERROR', 'The server cannot be reached');
	}
	let payload: unknown = null;
	try {
		payload = await response.json();
	} catch {
		// not JSON
	}
	const envelope = payload as
		| { success: true; data: T }
		| { success: false; error: { code: string; message: string; details?: FieldIssue[]; data?: unknown } }
		| null;
	if (response.ok && envelope && envelope.success) {
		if (userId && method === 'GET') void storeResponse(path, envelope.data).catch(() => {});
		return envelope.data;
	}
	if (envelope && !envelope.success) {
		throw new ApiError(
			response.status,
			envelope.error.code,
			envelope.error.message,
			envelope.error.details,
			envelope.error.data
		);
	}
	throw new ApiError(response.status, 'HTTP_ERROR', `Request failed (${response.status})`);
}

export function createApi(fetchFn: Fetch = fetch) {
	return {
		get: <T>(path: string) => request<T>(fetchFn, 'GET', path),
		post: <T>(path: string, body?: unknown, headers?: Record<string, string>) =>
			request<T>(fetchFn, 'POST', path, body ?? {}, headers),
		patch: <T>(path: string, body: unknown, headers?: Record<string, string>) =>
			request<T>(fetchFn, 'PATCH', path, body, headers),
		put: <T>(path: string, body: unknown, headers?: Record<string, string>) =>
			request<T>(fetchFn, 'PUT', path, body, headers),
		delete: <T>(path: string, headers?: Record<string, string>) =>
			request<T>(fetchFn, 'DELETE', path, undefined, headers)
	};
}

export const api = createApi();

/*
 * Shapes of the API's answers that the pages use (snake_case, dates as ISO strings), so pages
 * and components agree on them. The server owns them; these mirror what it sends.
 */

export interface RequirementCapabilities {
	can_edit: boolean;
	can_edit_description: boolean;
	can_publish: boolean;
	can_comment: boolean;
	can_delete: boolean;
	/** Lifecycle actions this user may take now. */
	actions: RequirementAction[];
}

/** The editable fields of a requirement, as the API names them. */
export interface RequirementFields {
	title: string;
	department_id: string;
	job_level_id: string | null;
	hiring_manager_id: string;
	headcount: number;
	employment_type: EmploymentType;
	location_city: string | null;
	location_country: string | null;
	remote_policy: RemotePolicy;
	salary_min: number | null;
	salary_max: number | null;
	currency: string | null;
	target_start_date: string | null;
	justification: string | null;
	must_have_skills: string[];
	nice_to_have_skills: string[];
}

export interface Requirement extends RequirementFields {
	id: string;
	number: number;
	reference: string;
	status: RequirementStatus;
	status_before_hold: RequirementStatus | null;
	version: number;
	description_html: string;
	description_text: string;
	published: boolean;
	published_at: string | null;
	posting_valid_through: string | null;
	submitted_at: string | null;
	approved_at: string | null;
	opened_at: string | null;
	filled_at: string | null;
	created_at: string;
	updated_at: string;
	department_name: string;
	job_level_name: string | null;
	hiring_manager_name: string;
	created_by_name: string;
	capabilities: RequirementCapabilities;
}

export interface Department {
	id: string;
	name: string;
	code: string | null;
	parent_id: string | null;
	head_user_id: string | null;
	head_name: string | null;
	parent_name: string | null;
	version: number;
}

export interface JobLevel {
	id: string;
	name: string;
	rank: number;
	salary_min: number | null;
	salary_max: number | null;
	currency: string | null;
	version: number;
}

export interface UserSummary {
	id: string;
	name: string;
	email: string;
	role: Role;
	is_active: boolean;
	version: number;
	email_preferences: Record<string, boolean>;
}

export interface ChainApproval {
	id: string;
	approver_id: string;
	approver_name: string;
	status: ApprovalStatus;
	comment: string | null;
	decided_at: string | null;
	decided_by_name: string | null;
	on_behalf: boolean;
	/** Why this person was asked: `named`, `role:<role>`, `department_head`, `escalated:…`. */
	reason: string | null;
}

export type ChainStepState = 'waiting' | 'open' | 'done' | 'rejected' | 'closed';

export interface ChainStep {
	position: number;
	name: string;
	rule: ApprovalRule;
	required_count: number | null;
	state: ChainStepState;
	approvals: ChainApproval[];
}

export interface ChainRound {
	id: string;
	round: number;
	workflow_name: string;
	status: 'active' | 'approved' | 'rejected' | 'info_requested' | 'cancelled' | 'reset';
	outcome_note: string | null;
	created_at: string;
	finished_at: string | null;
	steps: ChainStep[];
}

export type TimelineEntry =
	| {
			kind: 'status';
			at: string;
			actor_name: string | null;
			action: string;
			from: RequirementStatus | null;
			to: RequirementStatus | null;
			comment: string | null;
	  }
	| {
			kind: 'approval';
			at: string;
			actor_name: string | null;
			approver_name: string;
			decision: 'approved' | 'rejected' | 'info_requested';
			step: string;
			round: number;
			comment: string | null;
			on_behalf: boolean;
	  }
	| { kind: 'comment'; at: string; actor_name: string; body: string; id: string }
	| {
			kind: 'event';
			at: string;
			actor_name: string | null;
			action: string;
			detail: Record<string, unknown> | null;
	  };

export interface HistoryEntry {
	at: string;
	actor_id: string | null;
	actor_name: string | null;
	on_behalf_of_name: string | null;
	action: string;
	changes: Array<{ field: string; from: unknown; to: unknown }>;
}

export interface PendingApproval {
	id: string;
	subject_type: 'requirement' | 'offer';
	subject_id: string;
	step_name: string;
	step_position: number;
	step_rule: ApprovalRule;
	round: number;
	approver_id: string;
	approver_name: string;
	waiting_since: string;
	submitter_name: string | null;
	subject: {
		id: string;
		reference: string;
		title: string;
		status: RequirementStatus;
		headcount: number;
		salary_min: number | null;
		salary_max: number | null;
		currency: string | null;
		department_name: string | null;
		submitted_at: string | null;
		link: string;
	} | null;
}

export interface DecisionResult {
	outcome: 'step_open' | 'next_step' | 'approved' | 'rejected' | 'info_requested';
}

export interface AppNotification {
	id: string;
	kind: NotificationKind;
	title: string;
	body: string;
	link: string | null;
	subject_type: string | null;
	subject_id: string | null;
	read_at: string | null;
	created_at: string;
}

export interface NotificationList extends ListData<AppNotification> {
	unread_count: number;
}

/**
 * A step's approver as the API answers it. Answers snake-case every key, so a named approver
 * comes back as `user_id` although the input takes `userId`; both are read.
 */
export type ApiApproverSpec =
	{ type: 'role'; role: Role } | { type: 'user'; user_id?: string; userId?: string } | { type: 'department_head' };

/** An approver as the workflow input expects it. */
export function approverSpecOf(a: ApiApproverSpec): ApproverSpec {
	if (a.type === 'user') return { type: 'user', userId: a.userId ?? a.user_id ?? '' };
	return a;
}

export interface WorkflowStep {
	id: string;
	position: number;
	name: string;
	approvers: ApiApproverSpec[];
	rule: ApprovalRule;
	required_count: number | null;
}

export interface Workflow {
	id: string;
	name: string;
	description: string | null;
	subject_type: 'requirement' | 'offer';
	department_id: string | null;
	job_level_id: string | null;
	min_salary: number | null;
	above_band_only: boolean;
	is_default: boolean;
	is_active: boolean;
	version: number;
	steps: WorkflowStep[];
}

/** For `load` functions: an API failure becomes SvelteKit's error page with the API's message. */
export function raiseForLoad(err: unknown): never {
	if (err instanceof ApiError) {
		const status = err.status >= 400 && err.status <= 599 ? err.status : 503;
		svelteKitError(status, err.message);
	}
	throw err;
}
