"""The crawler's size limits, in a module that imports nothing: the `dojo` command reads them
as its flags' defaults every time it starts, and must not pay for aiohttp to do so."""

# Bytes of a text answer the crawl reads by default (`dojo crawl --max-bytes`); a bigger body
# is an error (too_large). Sized for real documentation: a long single-page manual runs to a
# few MB (one real page over the former 2 MB cap was reported too_large), and 10 MB still
# bounds what one request can put in a fetcher's memory.
MAX_BODY = 10_000_000

# Bytes of a robots.txt the crawler reads, whatever --max-bytes says: RFC 9309 (section 2.5)
# asks a crawler to parse at least 500 KiB, and to ignore what comes after its limit (a longer
# file is cut there, at a line's end, not refused: refusing it would shut out the whole host).
ROBOTS_PARSE_LIMIT = 500 * 1024
# A robots.txt's Crawl-delay is honoured up to this many seconds: a site asking for an hour
# between requests would otherwise hold a crawl for ever (the summary lists what was asked).
MAX_CRAWL_DELAY = 30.0
