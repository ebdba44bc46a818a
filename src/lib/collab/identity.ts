/** Colour of a user's caret and avatar, derived from their id: stable, and not up to the client. */
export function colorForUser(userId: string): string {
	let hash = 0;
	for (const ch of userId) hash = (hash * 31 + ch.charCodeAt(0)) >>> 0;
	return `hsl(${hash % 360} 70% 45%)`;
}
