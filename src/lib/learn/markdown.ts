import { micromark } from 'micromark';

/**
 * Article Markdown → HTML, with micromark (CommonMark, ~16 KB gz against markdown-it's ~41 KB;
 * for our articles the output is the same, see markdown.spec.ts). Safe by default: raw HTML in
 * the source is escaped, never passed through, and link targets keep only relative URLs and the
 * http(s), mailto, irc(s) and xmpp protocols (anything else, `javascript:` and `data:` included,
 * becomes an empty href). Loaded lazily: only the article page needs it.
 *
 * Because every `<`, `>`, `"` and `&` of the source reaches the output escaped (text, code,
 * attribute values; URLs are percent-encoded), each tag in the output is one micromark wrote, so
 * the two adjustments below can work on the HTML text without a second parser.
 */
export function renderMarkdown(source: string): string {
	return (
		micromark(source)
			// The article title is the page's h1, so body headings start at h2.
			.replace(/<(\/?)h1>/g, '<$1h2>')
			// Other sites open in a new tab, without access to this page.
			.replace(
				/<a href="(https?:\/\/[^"]*)"/gi,
				'<a href="$1" target="_blank" rel="noopener noreferrer external"'
			)
	);
}
