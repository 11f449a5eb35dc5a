"""The library of content agents insert into replies (issue 7): knowledge-base articles,
documents and videos, their public pages, and their insert-menu sources."""
