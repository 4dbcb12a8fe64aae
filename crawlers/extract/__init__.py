"""Page extractors: detect what a page is, return its posts and the links worth following."""
