import { createHash } from 'node:crypto';

/**
 * Several workers split the databases between them: worker i of n (`WORKER_SHARD=i/n`, i from
 * 0) takes the databases whose name hashes to i. The hash is SHA-1 of the name (stable across
 * processes and versions, spread evenly; speed is no concern at one hash per notice).
 */
export interface Shard {
	index: number;
	count: number;
}

export const WHOLE: Shard = { index: 0, count: 1 };

export function parseShard(text: string | undefined): Shard {
	if (text === undefined || text.trim() === '') return WHOLE;
	const match = /^\s*(\d{1,4})\s*\/\s*(\d{1,4})\s*$/.exec(text);
	const index = Number(match?.[1]);
	const count = Number(match?.[2]);
	if (!match || count < 1 || index >= count) {
		throw new Error(`WORKER_SHARD: expected i/n with 0 ≤ i < n, e.g. 0/2 (got "${text}")`);
	}
	return { index, count };
}

export function shardOf(db: string, count: number): number {
	if (count <= 1) return 0;
	return createHash('sha1').update(db).digest().readUInt32BE(0) % count;
}

export function inShard(db: string, shard: Shard): boolean {
	return shardOf(db, shard.count) === shard.index;
}

export function describeShard(shard: Shard): string {
	return `${shard.index}/${shard.count}`;
}
