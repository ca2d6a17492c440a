/** How the allowlist refuses a request: a status, a translated error key, a reason. */
export type CouchRequestRefused = {
	allow: false;
	status: 400 | 403 | 405 | 414;
	error:
		| 'errors.forbidden'
		| 'errors.bad_path'
		| 'errors.bad_query'
		| 'errors.path_too_long'
		| 'errors.method_not_allowed';
	message: string;
};

export const forbidden = (message: string): CouchRequestRefused => ({
	allow: false,
	status: 403,
	error: 'errors.forbidden',
	message
});

export const badPath = (message: string): CouchRequestRefused => ({
	allow: false,
	status: 400,
	error: 'errors.bad_path',
	message
});

export const badQuery = (message: string): CouchRequestRefused => ({
	allow: false,
	status: 400,
	error: 'errors.bad_query',
	message
});

export const methodNotAllowed = (method: string, what: string): CouchRequestRefused => ({
	allow: false,
	status: 405,
	error: 'errors.method_not_allowed',
	message: `${method} is not allowed on ${what}`
});
