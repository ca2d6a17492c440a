/**
 * Engine paths name a node of a response: `linkId`s joined by `/`, a repeat instance's key in
 * brackets (`visits[2]/date`). Shared by the engine and the form state on screen.
 */

export type Segment = { linkId: string; key: number | undefined };

export function joinPath(container: string, linkId: string): string {
	return container ? `${container}/${linkId}` : linkId;
}

export function parsePath(path: string): Segment[] {
	return path.split('/').map((part) => {
		const match = /^(.*)\[(\d+)\]$/.exec(part);
		return match ? { linkId: match[1]!, key: Number(match[2]) } : { linkId: part, key: undefined };
	});
}

export function formatPath(segments: Segment[]): string {
	return segments
		.map((segment) =>
			segment.key === undefined ? segment.linkId : `${segment.linkId}[${segment.key}]`
		)
		.join('/');
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
		return match ? { linkId: match[1]!, bracket: match[2]! } : { linkId: part, bracket: undefined };
	});
}
