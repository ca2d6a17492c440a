import { createConnection, createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

/** A small seeded PRNG (mulberry32): the same seed gives the same faults. */
export function seededRandom(seed: number): () => number {
	let state = seed >>> 0;
	return () => {
		state = (state + 0x6d2b79f5) >>> 0;
		let t = state;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
	};
}

export type Fault = 'drop' | 'stall' | 'truncate-response' | 'truncate-request';

export interface FaultProxyOptions {
	/** Where to forward (the gateway's port on 127.0.0.1). */
	targetPort: number;
	seed: number;
	/** Share of connections that get a fault while faults are on (0–1). */
	faultRate?: number;
	/** Longest stall before the proxy cuts a stalled connection, in ms. */
	maxStallMs?: number;
	/** Highest byte offset at which a connection is cut. */
	maxCutOffset?: number;
	/** Drops and stalls strike within this many ms of the connection opening. */
	maxLifeMs?: number;
	/**
	 * While faults are on, a healthy connection is closed after at most this long (a mobile
	 * network or NAT forgetting it), so clients that keep connections alive keep opening new ones.
	 */
	maxPassLifeMs?: number;
}

/**
 * A TCP proxy on 127.0.0.1 between clients and the gateway that, per connection, passes it
 * through or drops it, stalls it, or cuts it after a random number of bytes in either direction.
 */
export class FaultProxy {
	readonly counts: Record<Fault | 'pass', number> = {
		pass: 0,
		drop: 0,
		stall: 0,
		'truncate-response': 0,
		'truncate-request': 0
	};
	faulty = true;
	#server: Server;
	#sockets = new Set<Socket>();
	#random: () => number;
	#options: Required<FaultProxyOptions>;
	port = 0;

	constructor(options: FaultProxyOptions) {
		this.#options = {
			faultRate: 0.9,
			maxStallMs: 1_200,
			maxCutOffset: 8_000,
			maxLifeMs: 300,
			maxPassLifeMs: 1_500,
			...options
		};
		this.#random = seededRandom(options.seed);
		this.#server = createServer((client) => this.#handle(client));
	}

	/** Faulted connections so far. */
	get faults(): number {
		return (
			this.counts.drop +
			this.counts.stall +
			this.counts['truncate-response'] +
			this.counts['truncate-request']
		);
	}

	async listen(): Promise<number> {
		await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
		this.port = (this.#server.address() as AddressInfo).port;
		return this.port;
	}

	async close(): Promise<void> {
		for (const socket of this.#sockets) socket.destroy();
		await new Promise<void>((resolve) => this.#server.close(() => resolve()));
	}

	#track(socket: Socket): void {
		this.#sockets.add(socket);
		socket.on('close', () => this.#sockets.delete(socket));
		socket.on('error', () => undefined);
	}

	#pick(): Fault | 'pass' {
		if (!this.faulty || this.#random() >= this.#options.faultRate) return 'pass';
		const faults: Fault[] = ['drop', 'stall', 'truncate-response', 'truncate-request'];
		return faults[Math.floor(this.#random() * faults.length)] ?? 'drop';
	}

	#handle(client: Socket): void {
		this.#track(client);
		const fault = this.#pick();
		this.counts[fault] += 1;
		const upstream = createConnection({ host: '127.0.0.1', port: this.#options.targetPort });
		this.#track(upstream);
		const cutAt = Math.floor(this.#random() * this.#options.maxCutOffset);
		const cut = () => {
			client.destroy();
			upstream.destroy();
		};
		const forward = (from: Socket, to: Socket, limited: boolean) => {
			let sent = 0;
			from.on('data', (chunk: Buffer) => {
				if (!limited) {
					to.write(chunk as Uint8Array);
					return;
				}
				if (sent + chunk.length < cutAt) {
					sent += chunk.length;
					to.write(chunk as Uint8Array);
					return;
				}
				to.write(chunk.subarray(0, Math.max(0, cutAt - sent)) as Uint8Array, cut);
				sent = cutAt;
			});
		};
		forward(client, upstream, fault === 'truncate-request');
		forward(upstream, client, fault === 'truncate-response');
		// Kept-alive connections live long: drops and stalls strike at a random moment of their life.
		const strikeAfter = Math.floor(this.#random() * this.#options.maxLifeMs);
		if (fault === 'drop') setTimeout(cut, strikeAfter);
		if (fault === 'pass' && this.faulty) {
			setTimeout(cut, Math.floor(this.#random() * this.#options.maxPassLifeMs));
		}
		if (fault === 'stall') {
			const stallFor = Math.floor(this.#random() * this.#options.maxStallMs);
			setTimeout(() => {
				client.pause();
				upstream.pause();
				setTimeout(cut, stallFor);
			}, strikeAfter);
		}
		client.on('close', () => upstream.destroy());
		upstream.on('close', () => client.destroy());
	}
}
