"""The site's own pages: the landing page, each user's home page (what their role has waiting today), the language
switch and the health check. They read from every domain, so they sit in the top layer with ``report``."""
