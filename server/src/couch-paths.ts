/**
 * A document id in a CouchDB path: `_design/x` and `_local/x` keep their slash; everything else
 * is encoded whole. The admin client and the gateway's allowlist both build paths with it.
 */
export function encodeDocId(id: string): string {
	for (const prefix of ['_design/', '_local/']) {
		if (id.startsWith(prefix)) return prefix + encodeURIComponent(id.slice(prefix.length));
	}
	return encodeURIComponent(id);
}
