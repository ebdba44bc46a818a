/**
 * A minimal front door for the distributed stack, as the reverse proxy of a deployment is:
 * plain HTTP goes to the web process, WebSocket upgrades of /collab go to the sync server, on
 * one origin — so a browser can open pages and live documents the way it does in production.
 */
import http from 'node:http';
import net from 'node:net';

export interface FrontProxy {
	port: number;
	url: string;
	close(): Promise<void>;
}

export async function startFrontProxy(webPort: number, syncPort: number): Promise<FrontProxy> {
	const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
	const sockets = new Set<net.Socket>();
	const server = http.createServer((req, res) => {
		const upstream = http.request(
			{ host: '127.0.0.1', port: webPort, path: req.url, method: req.method, headers: req.headers, agent },
			(answer) => {
				res.writeHead(answer.statusCode ?? 502, answer.rawHeaders);
				answer.pipe(res);
			}
		);
		upstream.on('error', () => {
			if (!res.headersSent) res.writeHead(502);
			res.end();
		});
		req.pipe(upstream);
	});
	server.on('connection', (socket) => {
		sockets.add(socket);
		socket.once('close', () => sockets.delete(socket));
	});
	server.on('upgrade', (req, socket, head) => {
		const upstream = net.connect(syncPort, '127.0.0.1', () => {
			const lines = [`${req.method} ${req.url} HTTP/1.1`];
			for (let i = 0; i < req.rawHeaders.length; i += 2) lines.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`);
			upstream.write(lines.join('\r\n') + '\r\n\r\n');
			if (head.length) upstream.write(head);
			upstream.pipe(socket);
			socket.pipe(upstream);
		});
		sockets.add(upstream);
		upstream.once('close', () => sockets.delete(upstream));
		const drop = () => {
			upstream.destroy();
			socket.destroy();
		};
		upstream.on('error', drop);
		socket.on('error', drop);
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const address = server.address();
	const port = typeof address === 'object' && address ? address.port : 0;
	return {
		port,
		url: `http://127.0.0.1:${port}`,
		async close() {
			for (const socket of sockets) socket.destroy();
			agent.destroy();
			await new Promise<void>((resolve) => server.close(() => resolve()));
		}
	};
}
