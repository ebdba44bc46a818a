import type { HocuspocusProvider } from '@hocuspocus/provider';
import { WebSocketStatus } from '@hocuspocus/provider';

/**
 * When the browser's network comes back, connect the live document at once instead of waiting
 * for the provider's next retry (its back-off grows to 30 s while offline). Returns the clean-up.
 */
export function reconnectWhenOnline(provider: HocuspocusProvider): () => void {
	if (typeof window === 'undefined') return () => {};
	const onOnline = () => {
		const socket = provider.configuration.websocketProvider;
		if (socket.status !== WebSocketStatus.Connected && socket.shouldConnect) {
			socket.connect().catch(() => {
				// the provider keeps retrying by itself
			});
		}
	};
	window.addEventListener('online', onOnline);
	return () => window.removeEventListener('online', onOnline);
}
