/**
 * JSON request bodies are parsed once, here, before anything else touches them: the nesting
 * depth is measured on the raw text with a loop (never recursion over user input: a
 * 5,000-deep body must not overflow the stack of a checker or of `JSON.stringify`), and the
 * size is bounded by the caller's byte limit.
 */

/** Deepest nesting the app's documents need is ~15 (questionnaire groups in answers). */
export const MAX_JSON_DEPTH = 64;

export type SafeJsonResult =
	{ ok: true; value: unknown } | { ok: false; status: 400 | 413; reason: string };

const OPEN_OBJECT = 0x7b; // {
const OPEN_ARRAY = 0x5b; // [
const CLOSE_OBJECT = 0x7d; // }
const CLOSE_ARRAY = 0x5d; // ]
const QUOTE = 0x22; // "
const BACKSLASH = 0x5c; // \

/**
 * The deepest nesting of objects and arrays in `text`, stopping early once it passes `limit`
 * (returns `limit + 1` then). Brackets inside strings do not count. Malformed JSON may give any
 * number: `JSON.parse` refuses it afterwards.
 */
export function jsonDepth(text: string, limit: number): number {
	let depth = 0;
	let deepest = 0;
	let inString = false;
	for (let index = 0; index < text.length; index += 1) {
		const code = text.charCodeAt(index);
		if (inString) {
			if (code === BACKSLASH) index += 1;
			else if (code === QUOTE) inString = false;
			continue;
		}
		if (code === QUOTE) inString = true;
		else if (code === OPEN_OBJECT || code === OPEN_ARRAY) {
			depth += 1;
			if (depth > deepest) {
				deepest = depth;
				if (deepest > limit) return deepest;
			}
		} else if (code === CLOSE_OBJECT || code === CLOSE_ARRAY) depth -= 1;
	}
	return deepest;
}

/**
 * Parses a request body: 413 over `maxBytes`, 400 when not UTF-8 JSON or nested deeper than
 * `maxDepth`.
 */
export function parseJsonBody(
	body: Buffer,
	limits: { maxBytes: number; maxDepth?: number }
): SafeJsonResult {
	if (body.byteLength > limits.maxBytes) {
		return { ok: false, status: 413, reason: `request body over ${limits.maxBytes} bytes` };
	}
	let text: string;
	try {
		text = new TextDecoder('utf-8', { fatal: true }).decode(body);
	} catch {
		return { ok: false, status: 400, reason: 'the request body is not UTF-8' };
	}
	const maxDepth = limits.maxDepth ?? MAX_JSON_DEPTH;
	if (jsonDepth(text, maxDepth) > maxDepth) {
		return { ok: false, status: 400, reason: `JSON nested deeper than ${maxDepth} levels` };
	}
	try {
		return { ok: true, value: JSON.parse(text) as unknown };
	} catch {
		return { ok: false, status: 400, reason: 'the request body is not valid JSON' };
	}
}
