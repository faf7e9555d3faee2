"""The small web layer every domain's pages use: rendering a page or one of its blocks, forms
and their rejection, redirects, notices and ``url_for``."""
