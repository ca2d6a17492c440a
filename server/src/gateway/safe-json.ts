import { jsonDepth } from '../json-depth';

/**
 * JSON request bodies are parsed once, here, before anything else touches them: the nesting
 * depth is measured on the raw bytes first (json-depth.ts), and the size is bounded by the
 * caller's byte limit.
 */

/** Deepest nesting the app's documents need is ~15 (questionnaire groups in answers). */
export const MAX_JSON_DEPTH = 64;

export type SafeJsonResult =
	{ ok: true; value: unknown } | { ok: false; status: 400 | 413; reason: string };

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
	if (jsonDepth(body, maxDepth) > maxDepth) {
		return { ok: false, status: 400, reason: `JSON nested deeper than ${maxDepth} levels` };
	}
	try {
		return { ok: true, value: JSON.parse(text) as unknown };
	} catch {
		return { ok: false, status: 400, reason: 'the request body is not valid JSON' };
	}
}
