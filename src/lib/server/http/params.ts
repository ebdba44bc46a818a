import { NotFound } from '../errors';
import { uuidParam } from './input';

/** A route's `[id]` as a UUID; anything else is simply not found (never a database error). */
export function idParam(value: string | undefined, what: string): string {
	const parsed = uuidParam.safeParse(value);
	if (!parsed.success) throw new NotFound(what);
	return parsed.data;
}
