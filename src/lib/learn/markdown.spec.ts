import { describe, expect, it } from 'vitest';
import { renderMarkdown } from './markdown';
import { plainText } from './plain-text';

describe('renderMarkdown', () => {
	it('escapes raw HTML instead of rendering it', () => {
		const html = renderMarkdown('Hello <script>alert(1)</script> <img src=x onerror=alert(1)>');
		expect(html).not.toContain('<script');
		expect(html).not.toContain('<img');
		expect(html).toContain('&lt;script&gt;');
	});

	it('refuses javascript: and data: links', () => {
		const html = renderMarkdown('[a](javascript:alert(1)) [b](data:text/html,x) [c](JAVASCRIPT:x)');
		expect(html).not.toMatch(/href="(javascript|data):/i);
	});

	it('keeps internal article links and opens external ones safely', () => {
		const html = renderMarkdown('[glossary](/learn/glossary) and [site](https://example.org)');
		expect(html).toContain('<a href="/learn/glossary">glossary</a>');
		expect(html).toContain('target="_blank"');
		expect(html).toContain('rel="noopener noreferrer external"');
	});

	it('starts body headings at h2 because the title is the h1', () => {
		expect(renderMarkdown('# Top\n\n## Section')).toBe('<h2>Top</h2>\n<h2>Section</h2>\n');
	});

	it('renders lists and emphasis', () => {
		expect(renderMarkdown('- **one**\n- two')).toBe(
			'<ul>\n<li><strong>one</strong></li>\n<li>two</li>\n</ul>\n'
		);
	});
});

describe('plainText', () => {
	it('removes Markdown syntax but keeps the words', () => {
		expect(
			plainText('## Title\n\n- **Bold** and _it_ with [a link](/learn/x)\n1. `code`\n> quote')
		).toBe('Title Bold and it with a link code quote');
	});
});
