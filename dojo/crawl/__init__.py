"""The real crawler that `dojo crawl` runs, and the FetchResult record every crawler kata speaks."""
