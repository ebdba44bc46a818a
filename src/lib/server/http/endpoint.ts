import type { RequestEvent, RequestHandler } from '@sveltejs/kit';
import { can, type Action, type Relation, type Resource } from '../../permissions';
import type { Actor } from '../actor';
import type { SessionUser } from '../auth/session';
import { AppError, Forbidden, Unauthorized } from '../errors';
import { getRuntime } from '../registry';
import type { Runtime } from '../runtime';
import { errorBody, errorResponse } from './envelope';
import { json } from '@sveltejs/kit';

/** Who is calling, for services and audit rows. */
export function actorOf(event: RequestEvent): Actor {
	const user = event.locals.user;
	let ip: string | null = null;
	try {
		ip = event.getClientAddress();
	} catch {
		ip = null;
	}
	return {
		userId: user?.id ?? null,
		role: user?.role ?? null,
		name: user?.name,
		ip,
		userAgent: event.request.headers.get('user-agent'),
		requestId: event.locals.requestId,
		departmentScoped: user ? event.locals.departmentScoped : undefined
	};
}

/** The signed-in user, or 401. */
export function requireUser(event: RequestEvent): SessionUser {
	const user = event.locals.user;
	if (!user) throw new Unauthorized();
	return user;
}

/** The signed-in user if the permission module allows the action, else 401/403. */
export function requireAccess(
	event: RequestEvent,
	action: Action,
	resource: Resource,
	relations: Relation[] = []
): SessionUser {
	const user = requireUser(event);
	if (!can(user, action, resource, relations)) throw new Forbidden();
	return user;
}

export interface EndpointContext {
	rt: Runtime;
	actor: Actor;
}

/**
 * Wraps an API handler: expected errors become the error envelope with their status, anything
 * else is logged with the request id and answered with a safe 500 envelope.
 */
export function endpoint(handler: (event: RequestEvent, ctx: EndpointContext) => Promise<Response>): RequestHandler {
	return async (event) => {
		const rt = getRuntime();
		try {
			return await handler(event, { rt, actor: actorOf(event) });
		} catch (err) {
			if (err instanceof AppError) return errorResponse(err, event.locals.requestId);
			rt.logger.error({ err, requestId: event.locals.requestId, path: event.url.pathname }, 'unhandled API error');
			return json(
				errorBody('INTERNAL_ERROR', 'Something went wrong on our side', undefined, {
					requestId: event.locals.requestId
				}),
				{ status: 500 }
			);
		}
	};
}
