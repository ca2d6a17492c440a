/**
 * Markdown → plain text for searching and excerpts, without loading a Markdown parser on the
 * list page. Good enough for the subset articles use (headings, emphasis, lists, links).
 */
export function plainText(markdown: string): string {
	return markdown
		.replace(/\r\n?/g, '\n')
		.replace(/^```.*$/gm, '')
		.replace(/!\[([^\]]*)\]\([^)]*\)/g, '$1')
		.replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
		.replace(/^\s{0,3}#{1,6}\s+/gm, '')
		.replace(/^\s{0,3}>\s?/gm, '')
		.replace(/^\s*(?:[-*+]|\d+[.)])\s+/gm, '')
		.replace(/(\*\*|__|\*|_|`|~~)(\S(?:.*?\S)?)\1/g, '$2')
		.replace(/^\s*(?:-{3,}|\*{3,}|_{3,})\s*$/gm, '')
		.replace(/\s+/g, ' ')
		.trim();
}
