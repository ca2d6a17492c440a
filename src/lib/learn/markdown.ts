import MarkdownIt from 'markdown-it';

/**
 * Article Markdown → HTML. Raw HTML in the source is escaped, never passed through
 * (`html: false`), and markdown-it refuses `javascript:`, `vbscript:`, `file:` and most `data:`
 * links. Loaded lazily: only the article page needs it.
 */
const markdown = new MarkdownIt({ html: false, linkify: false, typographer: false, breaks: false });

const defaultLinkOpen =
	markdown.renderer.rules.link_open ??
	((tokens, index, options, _env, self) => self.renderToken(tokens, index, options));

markdown.renderer.rules.link_open = (tokens, index, options, env, self) => {
	const token = tokens[index]!;
	const href = String(token.attrGet('href') ?? '');
	if (/^https?:\/\//i.test(href)) {
		token.attrSet('target', '_blank');
		token.attrSet('rel', 'noopener noreferrer external');
	}
	return defaultLinkOpen(tokens, index, options, env, self);
};

// The article title is the page's h1, so body headings start at h2.
markdown.renderer.rules.heading_open = (tokens, index, options, _env, self) => {
	const token = tokens[index]!;
	const level = Math.min(6, Math.max(2, Number(token.tag.slice(1))));
	token.tag = `h${level}`;
	return self.renderToken(tokens, index, options);
};
markdown.renderer.rules.heading_close = (tokens, index, options, _env, self) => {
	const token = tokens[index]!;
	token.tag = `h${Math.min(6, Math.max(2, Number(token.tag.slice(1))))}`;
	return self.renderToken(tokens, index, options);
};

export function renderMarkdown(source: string): string {
	return markdown.render(source);
}
