import { tick } from 'svelte';

/**
 * After a refused submit, moves focus to the first field marked invalid, so keyboard and
 * screen-reader users land on the problem (its message is announced with it). Waits for the
 * error state to render first.
 */
export async function focusFirstInvalid(container: ParentNode | null | undefined = document): Promise<void> {
	await tick();
	const field = container?.querySelector<HTMLElement>('[aria-invalid="true"]');
	field?.focus();
}
