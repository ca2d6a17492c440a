/**
 * The server-owned databases couch-setup applies. Names live with the rest of the database
 * setup in server/src/databases/; this module keeps couch-setup's own imports short.
 */
export {
	SERVER_DATABASES,
	type ServerDatabase as DatabaseSetup
} from '../server/src/databases/names';
export { VALIDATION_DDOC_ID } from '../server/src/databases/setup-files';
