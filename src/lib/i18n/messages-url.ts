/**
 * Where a build serves a locale's messages (scripts/i18n-messages.ts), in two parts: `first`,
 * what the first screen shows (first-screen.ts), and `rest`. A URL known without the bundler's
 * content hashes, so the inline script of `src/app.html` can ask for the first part with the
 * HTML itself (#21). The build version in the path keeps each build's files immutable under
 * their names. `src/app.html` spells the same path out (first-screen.spec.ts keeps them equal).
 */
export const MESSAGES_DIR = '_app/immutable/i18n';

export type MessagesPart = 'first' | 'rest';

export function messagesPath(version: string, locale: string, part: MessagesPart): string {
	return `/${MESSAGES_DIR}/${version}/${locale}.${part}.json`;
}
