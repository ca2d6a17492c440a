import {
	createConnection,
	createServer,
	type AddressInfo,
	type Server,
	type Socket
} from 'node:net';
import { performance } from 'node:perf_hooks';
import { ConnectionMeter, type Exchange } from './http-meter';

/**
 * A TCP proxy on 127.0.0.1 that emulates a slow mobile link between clients and the gateway.
 *
 * - Each direction is one shared link (all connections queue on it, first come first served)
 *   of `bitsPerSecond`, followed by a one-way delay of RTT/2.
 * - A new connection pays one RTT (the TCP handshake) before its first bytes leave.
 * - Data travels in segments of at most 1,460 bytes (one TCP segment on Ethernet), so
 *   concurrent connections interleave as they would on a real link. Only payload is modelled:
 *   no TCP/IP header bytes, no ACKs, no slow start, no loss.
 * - A connection holds at most `windowBytes` per direction in flight (send buffer and queues
 *   along the path, default 64 KB ≈ 1.3 s at 400 kbit/s); beyond that the sender is paused, so
 *   a server finishes writing an answer about that long before the client has it (loopback
 *   socket buffers add some more).
 *
 * It counts, as they arrive at the other end: bytes each way (what is on the wire: compressed
 * when the gateway gzips), connections opened, and HTTP exchanges (parsed from the streams by
 * `ConnectionMeter`: method, target, status, encoding, bytes of each request and response).
 */

export const SEGMENT_BYTES = 1_460;

/**
 * One direction of the link: serialises transmissions (FIFO) at `bitsPerSecond` and delays each
 * by `delayMs`. Pure arithmetic on a clock in milliseconds.
 */
export class Link {
	#freeAt = Number.NEGATIVE_INFINITY;

	constructor(
		readonly bitsPerSecond: number,
		readonly delayMs: number
	) {
		if (!(bitsPerSecond > 0)) throw new RangeError('the link rate must be positive');
		if (!(delayMs >= 0)) throw new RangeError('the delay must not be negative');
	}

	/** Queues `bytes` handed to the link at `now`; returns when their last bit arrives. */
	send(bytes: number, now: number): number {
		const start = Math.max(now, this.#freeAt);
		this.#freeAt = start + (bytes * 8 * 1_000) / this.bitsPerSecond;
		return this.#freeAt + this.delayMs;
	}

	/** When the link finishes transmitting what it was given so far. */
	get busyUntil(): number {
		return this.#freeAt;
	}
}

/** Runs callbacks at (non-decreasing) times on a clock; one timer for the whole queue. */
class DeliveryQueue {
	#items: { at: number; run: () => void }[] = [];
	#head = 0;
	#timer: ReturnType<typeof setTimeout> | undefined;

	constructor(private readonly now: () => number) {}

	add(at: number, run: () => void): void {
		this.#items.push({ at, run });
		if (this.#items.length - this.#head === 1) this.#arm();
	}

	#arm(): void {
		clearTimeout(this.#timer);
		const next = this.#items[this.#head];
		if (!next) return;
		this.#timer = setTimeout(() => this.#drain(), Math.max(0, next.at - this.now()));
	}

	#drain(): void {
		// Timers may fire up to a millisecond early: deliver what is due within that.
		const now = this.now() + 1;
		while (this.#head < this.#items.length && this.#items[this.#head]!.at <= now) {
			const item = this.#items[this.#head]!;
			this.#head += 1;
			item.run();
		}
		if (this.#head > 1_024 && this.#head * 2 > this.#items.length) {
			this.#items = this.#items.slice(this.#head);
			this.#head = 0;
		}
		this.#arm();
	}

	clear(): void {
		clearTimeout(this.#timer);
		this.#items = [];
		this.#head = 0;
	}
}

export interface ThrottleProxyOptions {
	/** The gateway's port on 127.0.0.1. */
	targetPort: number;
	/** Link rate each way, bits per second (default 400 kbit/s). */
	bitsPerSecond?: number;
	/** Round-trip time in ms (default 400): each way is delayed by half. */
	rttMs?: number;
	/** Bytes a connection may have in flight per direction before its sender is paused. */
	windowBytes?: number;
}

export interface TrafficTotals {
	bytesUp: number;
	bytesDown: number;
	connections: number;
	requests: number;
}

export interface TrafficMark extends TrafficTotals {
	at: number;
	exchangeIndex: number;
}

export interface TrafficReport extends TrafficTotals {
	ms: number;
	exchanges: Exchange[];
	/** Connections whose HTTP stream could not be followed (their bytes still count). */
	unparsed: number;
}

export class ThrottleProxy {
	readonly up: Link;
	readonly down: Link;
	readonly rttMs: number;
	readonly totals: TrafficTotals = { bytesUp: 0, bytesDown: 0, connections: 0, requests: 0 };
	readonly exchanges: Exchange[] = [];
	port = 0;
	/**
	 * Off: new connections pass at full speed with no delay (setting up a scenario that is not
	 * measured). Connections keep the mode they were opened in.
	 */
	throttled = true;
	#meters: ConnectionMeter[] = [];
	#server: Server;
	#sockets = new Set<Socket>();
	#queues: { up: DeliveryQueue; down: DeliveryQueue };
	#windowBytes: number;
	readonly now = () => performance.now();

	constructor(private readonly options: ThrottleProxyOptions) {
		const bitsPerSecond = options.bitsPerSecond ?? 400_000;
		this.rttMs = options.rttMs ?? 400;
		this.up = new Link(bitsPerSecond, this.rttMs / 2);
		this.down = new Link(bitsPerSecond, this.rttMs / 2);
		this.#windowBytes = options.windowBytes ?? 64 * 1024;
		this.#queues = { up: new DeliveryQueue(this.now), down: new DeliveryQueue(this.now) };
		this.#server = createServer({ allowHalfOpen: true }, (client) => this.#handle(client));
	}

	async listen(): Promise<number> {
		await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
		this.port = (this.#server.address() as AddressInfo).port;
		return this.port;
	}

	async close(): Promise<void> {
		for (const socket of this.#sockets) socket.destroy();
		this.#queues.up.clear();
		this.#queues.down.clear();
		await new Promise<void>((resolve) => this.#server.close(() => resolve()));
	}

	/** Closes every open connection (a fresh device has none to reuse). */
	dropConnections(): void {
		for (const socket of this.#sockets) socket.destroy();
	}

	/** The counters now, to measure a phase with `since`. */
	mark(): TrafficMark {
		return { ...this.totals, at: this.now(), exchangeIndex: this.exchanges.length };
	}

	/** What travelled since `mark` (exchanges that started since, with their bytes so far). */
	since(mark: TrafficMark): TrafficReport {
		return {
			ms: this.now() - mark.at,
			bytesUp: this.totals.bytesUp - mark.bytesUp,
			bytesDown: this.totals.bytesDown - mark.bytesDown,
			connections: this.totals.connections - mark.connections,
			requests: this.totals.requests - mark.requests,
			exchanges: this.exchanges.slice(mark.exchangeIndex).map((exchange) => ({ ...exchange })),
			// Meters are kept in connection order: those opened since the mark.
			unparsed: this.#meters.slice(mark.connections).filter((meter) => meter.broken).length
		};
	}

	#handle(client: Socket): void {
		this.totals.connections += 1;
		const openedAt = this.now();
		const meter = new ConnectionMeter(this.totals.connections, this.exchanges, this.now);
		this.#meters.push(meter);
		const upstream = createConnection({
			host: '127.0.0.1',
			port: this.options.targetPort,
			allowHalfOpen: true
		});
		for (const socket of [client, upstream]) {
			this.#sockets.add(socket);
			socket.setNoDelay(true);
			socket.on('close', () => this.#sockets.delete(socket));
			socket.on('error', () => undefined);
		}
		let finished = 0;
		const finish = () => {
			finished += 1;
			if (finished < 2) return;
			meter.close();
			client.destroy();
			upstream.destroy();
		};
		// The handshake: the first bytes leave one round trip after the connection was opened.
		const readyAt = this.throttled ? openedAt + this.rttMs : undefined;
		this.#pipe(
			client,
			upstream,
			'up',
			readyAt,
			(chunk) => {
				meter.up(chunk);
				this.totals.requests = this.exchanges.length;
			},
			finish
		);
		this.#pipe(upstream, client, 'down', readyAt, (chunk) => meter.down(chunk), finish);
	}

	/**
	 * Carries `from` → `to` over one direction of the link; `observe` sees each segment as it
	 * arrives; `done` runs once the end (or a reset) has been delivered.
	 */
	#pipe(
		from: Socket,
		to: Socket,
		direction: 'up' | 'down',
		readyAt: number | undefined,
		observe: (segment: Buffer) => void,
		done: () => void
	): void {
		const link = this[direction];
		const queue = this.#queues[direction];
		let inFlight = 0;
		let paused = false;
		let ended: 'end' | 'reset' | undefined;
		let delivered = false;
		const held: Buffer[] = [];

		const deliverEnd = () => {
			if (delivered || !ended || inFlight > 0 || held.length > 0) return;
			delivered = true;
			// The FIN (or RST) travels like data: one one-way delay, behind what was queued.
			const at =
				readyAt === undefined ? this.now() : Math.max(this.now(), link.busyUntil) + link.delayMs;
			setTimeout(
				() => {
					if (ended === 'reset') to.destroy();
					else if (!to.destroyed) to.end();
					done();
				},
				Math.max(0, at - this.now())
			);
		};
		const arrive = (segment: Buffer) => {
			inFlight -= segment.length;
			// Bytes for a connection that was closed meanwhile arrive nowhere: not counted.
			if (!to.destroyed) {
				this.totals[direction === 'up' ? 'bytesUp' : 'bytesDown'] += segment.length;
				observe(segment);
				to.write(segment as Uint8Array);
			}
			if (paused && inFlight < this.#windowBytes / 2) {
				paused = false;
				from.resume();
			}
			deliverEnd();
		};
		const transmit = (segment: Buffer) => {
			if (readyAt === undefined) arrive(segment);
			else queue.add(link.send(segment.length, this.now()), () => arrive(segment));
		};
		from.on('data', (chunk: Buffer) => {
			for (let offset = 0; offset < chunk.length; offset += SEGMENT_BYTES) {
				const segment = chunk.subarray(offset, offset + SEGMENT_BYTES);
				inFlight += segment.length;
				if (readyAt !== undefined && this.now() < readyAt) {
					if (held.length === 0) {
						setTimeout(
							() => {
								for (const waiting of held.splice(0)) transmit(waiting);
							},
							Math.max(0, readyAt - this.now())
						);
					}
					held.push(segment);
				} else transmit(segment);
			}
			if (!paused && inFlight > this.#windowBytes) {
				paused = true;
				from.pause();
			}
		});
		from.on('end', () => {
			ended ??= 'end';
			deliverEnd();
		});
		from.on('close', () => {
			ended ??= 'reset';
			deliverEnd();
		});
	}
}
