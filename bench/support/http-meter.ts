/**
 * Follows the HTTP/1.1 messages in the two byte streams of one TCP connection, as a proxy sees
 * them, and attributes every byte to a request/response exchange: request heads are parsed
 * (method, target), bodies are skipped by `Content-Length` or chunked framing, responses are
 * matched to requests in order (HEAD, 1xx, 204 and 304 carry no body; a response without
 * length runs until the connection closes). Pipelined requests work. A stream that stops making
 * sense (a head over 64 KB, a bad chunk size) is marked `broken` and its later bytes are only
 * counted, never attributed.
 */

export interface Exchange {
	/** Connection number (1-based, in order of opening). */
	connection: number;
	method: string;
	/** The request target as sent (path and query). */
	target: string;
	/** Response status; 0 until the response head arrived. */
	status: number;
	/** `Content-Encoding` of the response ('' when none). */
	encoding: string;
	/** Request bytes on the wire (head and body). */
	bytesUp: number;
	/** Response bytes on the wire (heads of interim responses, head and body). */
	bytesDown: number;
	/** Milliseconds (the meter's clock) when the request head and the response end arrived. */
	sentAt: number;
	doneAt: number | undefined;
}

const MAX_HEAD = 64 * 1024;
const CRLF_CRLF = Buffer.from('\r\n\r\n');

interface Head {
	startLine: string;
	headers: Map<string, string>;
}

function parseHead(text: string): Head {
	const lines = text.split('\r\n');
	const headers = new Map<string, string>();
	for (const line of lines.slice(1)) {
		const colon = line.indexOf(':');
		if (colon <= 0) continue;
		const name = line.slice(0, colon).trim().toLowerCase();
		const value = line.slice(colon + 1).trim();
		// Repeated headers (rare here): keep them all, comma-joined.
		headers.set(name, headers.has(name) ? `${headers.get(name)}, ${value}` : value);
	}
	return { startLine: lines[0] ?? '', headers };
}

type BodyFraming = { kind: 'none' } | { kind: 'length'; length: number } | { kind: 'chunked' };

function bodyFraming(headers: Map<string, string>): BodyFraming | { kind: 'until-close' } {
	const transfer = headers.get('transfer-encoding')?.toLowerCase() ?? '';
	if (transfer.split(',').some((coding) => coding.trim() === 'chunked')) return { kind: 'chunked' };
	const length = headers.get('content-length');
	if (length !== undefined) {
		const parsed = Number(length.split(',')[0]);
		if (!Number.isInteger(parsed) || parsed < 0) throw new Error(`bad content-length ${length}`);
		return parsed === 0 ? { kind: 'none' } : { kind: 'length', length: parsed };
	}
	return { kind: 'until-close' };
}

type State =
	| { at: 'head' }
	| { at: 'length'; remaining: number }
	| { at: 'chunk-size' }
	| { at: 'chunk-data'; remaining: number }
	| { at: 'trailers' }
	| { at: 'until-close' }
	| { at: 'broken' };

/**
 * One direction of one connection. `onHead` receives each message head and answers how its
 * body is framed; every byte is reported through `onBytes` (while a message is current) and
 * `onEnd` fires when a message is complete.
 */
class MessageStream {
	#state: State = { at: 'head' };
	#pending = Buffer.alloc(0);
	broken = false;

	constructor(
		private readonly hooks: {
			onHead(head: Head, bytes: number): BodyFraming | { kind: 'until-close' };
			onBytes(bytes: number): void;
			onEnd(): void;
		}
	) {}

	push(chunk: Buffer): void {
		let data: Buffer = this.#pending.length
			? Buffer.concat([this.#pending, chunk] as Uint8Array[])
			: chunk;
		this.#pending = Buffer.alloc(0);
		while (data.length > 0) {
			const used = this.#step(data);
			if (used < 0) {
				// Needs more bytes to decide: keep the unconsumed rest.
				this.#pending = data;
				return;
			}
			data = data.subarray(used);
		}
	}

	/** Consumes a prefix of `data`; -1 when it cannot without more bytes. */
	#step(data: Buffer): number {
		const state = this.#state;
		switch (state.at) {
			case 'broken':
			case 'until-close':
				this.hooks.onBytes(data.length);
				return data.length;
			case 'head': {
				// Stray CRLFs between messages are allowed (RFC 9112 §2.2).
				if (data[0] === 0x0d || data[0] === 0x0a) {
					this.hooks.onBytes(1);
					return 1;
				}
				const end = data.indexOf(CRLF_CRLF as Uint8Array);
				if (end < 0) {
					if (data.length > MAX_HEAD) return this.#break(data.length);
					return -1;
				}
				const size = end + 4;
				const head = parseHead(data.subarray(0, end).toString('latin1'));
				let framing: ReturnType<typeof bodyFraming>;
				try {
					framing = this.hooks.onHead(head, size);
				} catch {
					return this.#break(size);
				}
				this.#begin(framing);
				return size;
			}
			case 'length': {
				const used = Math.min(state.remaining, data.length);
				this.hooks.onBytes(used);
				state.remaining -= used;
				if (state.remaining === 0) this.#finish();
				return used;
			}
			case 'chunk-size': {
				const end = data.indexOf('\r\n');
				if (end < 0) return data.length > 1024 ? this.#break(data.length) : -1;
				const size = Number.parseInt(data.subarray(0, end).toString('latin1').split(';')[0]!, 16);
				if (!Number.isFinite(size) || size < 0) return this.#break(end + 2);
				this.hooks.onBytes(end + 2);
				this.#state = size === 0 ? { at: 'trailers' } : { at: 'chunk-data', remaining: size + 2 };
				return end + 2;
			}
			case 'chunk-data': {
				const used = Math.min(state.remaining, data.length);
				this.hooks.onBytes(used);
				state.remaining -= used;
				if (state.remaining === 0) this.#state = { at: 'chunk-size' };
				return used;
			}
			case 'trailers': {
				const end = data.indexOf('\r\n');
				if (end < 0) return data.length > MAX_HEAD ? this.#break(data.length) : -1;
				this.hooks.onBytes(end + 2);
				if (end === 0) this.#finish();
				return end + 2;
			}
		}
	}

	#begin(framing: ReturnType<typeof bodyFraming>): void {
		if (framing.kind === 'none') this.#finish();
		else if (framing.kind === 'length') this.#state = { at: 'length', remaining: framing.length };
		else if (framing.kind === 'chunked') this.#state = { at: 'chunk-size' };
		else this.#state = { at: 'until-close' };
	}

	#finish(): void {
		this.#state = { at: 'head' };
		this.hooks.onEnd();
	}

	#break(bytes: number): number {
		this.broken = true;
		this.#state = { at: 'broken' };
		this.hooks.onBytes(bytes);
		return bytes;
	}

	/** The connection closed: a body "until close" ends here. */
	close(): void {
		if (this.#state.at === 'until-close') this.#finish();
	}
}

const NO_BODY_STATUSES = new Set([204, 304]);

/** Meters one connection; exchanges are appended to `log` as their request heads arrive. */
export class ConnectionMeter {
	#requests: MessageStream;
	#responses: MessageStream;
	/** Exchanges whose request is being read (last) or whose response is awaited, in order. */
	#awaiting: Exchange[] = [];
	#upCurrent: Exchange | undefined;
	#downCurrent: Exchange | undefined;

	constructor(
		readonly connection: number,
		private readonly log: Exchange[],
		private readonly now: () => number
	) {
		this.#requests = new MessageStream({
			onHead: (head, bytes) => {
				const [method = '?', target = '?'] = head.startLine.split(' ');
				const exchange: Exchange = {
					connection,
					method,
					target,
					status: 0,
					encoding: '',
					bytesUp: bytes,
					bytesDown: 0,
					sentAt: this.now(),
					doneAt: undefined
				};
				this.log.push(exchange);
				this.#awaiting.push(exchange);
				this.#upCurrent = exchange;
				const framing = bodyFraming(head.headers);
				// A request has no body unless it says so (RFC 9112 §6.3).
				return framing.kind === 'until-close' ? { kind: 'none' } : framing;
			},
			onBytes: (bytes) => {
				if (this.#upCurrent) this.#upCurrent.bytesUp += bytes;
			},
			onEnd: () => {
				this.#upCurrent = undefined;
			}
		});
		this.#responses = new MessageStream({
			onHead: (head, bytes) => {
				const status = Number(head.startLine.split(' ')[1]);
				const exchange = this.#awaiting[0];
				if (exchange) exchange.bytesDown += bytes;
				if (status >= 100 && status < 200) return { kind: 'none' };
				this.#awaiting.shift();
				this.#downCurrent = exchange;
				if (exchange) {
					exchange.status = status;
					exchange.encoding = head.headers.get('content-encoding') ?? '';
				}
				if (exchange?.method === 'HEAD' || NO_BODY_STATUSES.has(status)) return { kind: 'none' };
				return bodyFraming(head.headers);
			},
			onBytes: (bytes) => {
				if (this.#downCurrent) this.#downCurrent.bytesDown += bytes;
			},
			onEnd: () => {
				if (this.#downCurrent) this.#downCurrent.doneAt = this.now();
				this.#downCurrent = undefined;
			}
		});
	}

	/** Either stream stopped making sense. */
	get broken(): boolean {
		return this.#requests.broken || this.#responses.broken;
	}

	up(chunk: Buffer): void {
		this.#requests.push(chunk);
	}

	down(chunk: Buffer): void {
		this.#responses.push(chunk);
	}

	close(): void {
		this.#requests.close();
		this.#responses.close();
	}
}

/**
 * A short name for what a request does, with database names and document ids left out:
 * `GET {db}/_changes`, `POST {db}/_bulk_get`, `PUT {db}/_local/*`, `GET {db}/`, `GET /`.
 */
export function requestKind(method: string, target: string, prefix = '/couch'): string {
	const [rawPath = '', query = ''] = target.split('?');
	let path = rawPath.startsWith(prefix) ? rawPath.slice(prefix.length) : rawPath;
	const parts = path.split('/').filter((part, index) => index > 0 || part !== '');
	if (parts.length === 0 || (parts.length === 1 && parts[0] === '')) path = '/';
	else if (parts[0]!.startsWith('_')) path = `/${parts.join('/')}`;
	else {
		const rest = parts.slice(1);
		if (rest.length === 0 || (rest.length === 1 && rest[0] === '')) path = '{db}/';
		else if (rest[0] === '_local') path = '{db}/_local/*';
		else if (rest[0]!.startsWith('_')) path = `{db}/${rest[0]}`;
		else path = '{db}/{doc}';
	}
	const feed = new URLSearchParams(query).get('feed');
	return `${method} ${path}${feed && feed !== 'normal' ? `?feed=${feed}` : ''}`;
}
