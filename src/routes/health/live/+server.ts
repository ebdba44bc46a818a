import { json } from '@sveltejs/kit';

/** The process is alive (the event loop answers). */
export const GET = () => json({ status: 'ok' });
