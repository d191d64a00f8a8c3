"""The crawler's size limits, in a module that imports nothing: the `dojo` command reads them
as its flags' defaults every time it starts, and must not pay for aiohttp to do so."""

# Bytes of a text answer the crawl reads by default (`dojo crawl --max-bytes`); a bigger body
# is an error (too_large). Sized for real documentation: a long single-page manual runs to a
# few MB (one real page over the former 2 MB cap was reported too_large), and 10 MB still
# bounds what one request can put in a fetcher's memory.
MAX_BODY = 10_000_000
