/**
 * A handle on a record's database whose writes (`put`, `post`, `bulkDocs`, `remove`,
 * attachments) first ask `check`, which throws the refusal (a viewer, access removed): nothing
 * is stored and the caller gets the error, by promise or callback. Reads pass through.
 */
const WRITE_METHODS = new Set([
	'put',
	'post',
	'bulkDocs',
	'remove',
	'putAttachment',
	'removeAttachment'
]);

export function refuseWrites(db: PouchDB.Database, check: () => void): PouchDB.Database {
	return new Proxy(db, {
		get: (target, property, receiver) => {
			const value: unknown = Reflect.get(target, property, receiver);
			if (typeof value !== 'function') return value;
			if (typeof property === 'string' && WRITE_METHODS.has(property)) {
				return (...args: unknown[]) => {
					try {
						check();
					} catch (error) {
						const callback = args.at(-1);
						if (typeof callback === 'function') {
							callback(error);
							return undefined;
						}
						return Promise.reject(error);
					}
					return (value as (...a: unknown[]) => unknown).apply(target, args);
				};
			}
			return (value as (...a: unknown[]) => unknown).bind(target);
		}
	});
}
