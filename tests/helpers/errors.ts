import { expect } from 'vitest';

/** The message of an error and of its causes (drizzle wraps driver errors in "Failed query"). */
export function errorText(err: unknown): string {
	const parts: string[] = [];
	let current: unknown = err;
	while (current instanceof Error) {
		parts.push(current.message);
		current = current.cause;
	}
	return parts.join(' <- ');
}

/** Asserts the promise rejects with an error (or cause) matching `pattern`. */
export async function expectRejection(promise: Promise<unknown>, pattern: RegExp): Promise<void> {
	let caught: unknown = undefined;
	try {
		await promise;
	} catch (err) {
		caught = err;
	}
	expect(caught, 'expected a rejection').toBeInstanceOf(Error);
	expect(errorText(caught)).toMatch(pattern);
}
