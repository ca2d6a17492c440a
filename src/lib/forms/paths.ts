/**
 * Engine paths name a node of a response: `linkId`s joined by `/`, a repeat instance's key in
 * brackets (`visits[2]/date`). Shared by the engine and the form state on screen.
 *
 * A linkId is an opaque string (FHIR R4: any characters, LOINC forms use `/44250-9/…`), so
 * inside a path the four characters with a meaning here are escaped: `%` → `%25`, `/` → `%2F`,
 * `[` → `%5B`, `]` → `%5D`. Every other character (`.`, spaces, any Unicode) stays as it is,
 * so the paths of ordinary linkIds are unchanged. Build paths with `joinPath`/`formatPath` and
 * read them with `parsePath`/`splitPath`, never by hand.
 */

export type Segment = { linkId: string; key: number | undefined };

/** The linkId as written inside a path. */
export function encodeLinkId(linkId: string): string {
	return /[%/[\]]/.test(linkId)
		? linkId.replace(/[%/[\]]/g, (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`)
		: linkId;
}

/** The linkId of a path segment (without its `[key]`). */
export function decodeLinkId(segment: string): string {
	return segment.includes('%')
		? segment.replace(/%(25|2F|5B|5D)/gi, (_, hex: string) =>
				String.fromCharCode(parseInt(hex, 16))
			)
		: segment;
}

export function joinPath(container: string, linkId: string): string {
	const encoded = encodeLinkId(linkId);
	return container ? `${container}/${encoded}` : encoded;
}

export function parsePath(path: string): Segment[] {
	return path.split('/').map((part) => {
		const match = /^(.*)\[(\d+)\]$/.exec(part);
		return match
			? { linkId: decodeLinkId(match[1]!), key: Number(match[2]) }
			: { linkId: decodeLinkId(part), key: undefined };
	});
}

export function formatPath(segments: Segment[]): string {
	return segments
		.map((segment) =>
			segment.key === undefined
				? encodeLinkId(segment.linkId)
				: `${encodeLinkId(segment.linkId)}[${segment.key}]`
		)
		.join('/');
}

/** The linkId of the last segment of a path (`a[2]/b%2Fc` → `b/c`). */
export function lastLinkId(path: string): string {
	return parsePath(path).at(-1)?.linkId ?? '';
}

/** The path of the group instance (or '') that holds the node at `path`. */
export function containerOf(path: string): string {
	const slash = path.lastIndexOf('/');
	return slash === -1 ? '' : path.slice(0, slash);
}

/** `a[2]/b[5]` → `a[2]/b`: the node path of an instance container. */
export function stripKey(container: string): string {
	return container.replace(/\[\d+\]$/, '');
}

/**
 * `a[2]/b[5]/c` → `[{ linkId: 'a', bracket: '2' }, { linkId: 'b', bracket: '5' }, { linkId: 'c' }]`,
 * the bracket text kept as is (a stable instance id, not only a number).
 */
export function splitPath(path: string): { linkId: string; bracket: string | undefined }[] {
	return path.split('/').map((part) => {
		const match = /^(.*)\[([^\]]*)\]$/.exec(part);
		return match
			? { linkId: decodeLinkId(match[1]!), bracket: match[2]! }
			: { linkId: decodeLinkId(part), bracket: undefined };
	});
}
