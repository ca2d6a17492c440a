/**
 * Both request checkers (the gateway's `/couch` proxy and the embedded server's own guard)
 * measure a JSON body's nesting before parsing it, with a loop over its bytes, never recursion
 * over user input: a 5,000-deep body must not overflow the stack of a checker or of
 * `JSON.stringify`.
 */

const QUOTE = 0x22; // "
const BACKSLASH = 0x5c; // \
const OPEN_OBJECT = 0x7b; // {
const OPEN_ARRAY = 0x5b; // [
const CLOSE_OBJECT = 0x7d; // }
const CLOSE_ARRAY = 0x5d; // ]

/**
 * The deepest nesting of objects and arrays in UTF-8 JSON bytes, stopping early once it passes
 * `limit` (returns `limit + 1` then). Brackets inside strings do not count (none of these ASCII
 * bytes occurs inside a multi-byte UTF-8 sequence). Malformed JSON may give any number:
 * `JSON.parse` refuses it afterwards.
 */
export function jsonDepth(bytes: ArrayLike<number>, limit: number): number {
	let depth = 0;
	let deepest = 0;
	let inString = false;
	for (let index = 0; index < bytes.length; index += 1) {
		const code = bytes[index];
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
