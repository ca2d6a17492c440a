/** Records an account may hold (created, shared with it, its own). */
export const MAX_RECORDS_PER_ACCOUNT = 20;
/** Members plus pending invitations of one record. */
export const MAX_MEMBERS_PER_RECORD = 20;
export const INVITATION_LIFETIME_MS = 48 * 60 * 60 * 1000;
/** Wrong codes an invited account may enter before its pending invitations stop working. */
export const MAX_WRONG_CODES = 5;
