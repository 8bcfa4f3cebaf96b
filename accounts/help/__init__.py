"""Help: the guides of ``docs/`` served as pages of the service, and a help link on every page.

``/help/`` lists the guides and ``/help/<slug>/`` shows one. Every ``.md`` file in ``docs/guides/``
is a guide (its title is its first ``# `` heading, its description on the list its first paragraph),
together with the user guides at the top of ``docs/`` named in ``guides.REFERENCE`` (the API, the
measure library, the statistics); screenshots in ``docs/guides/images/`` are served at
``/help/images/<name>``. Adding a guide or a screenshot needs no code. ``rendering`` turns Markdown
into GOV.UK HTML with raw HTML shown as text, gives every heading GitHub's id (so ``results.md#overrides``
works here too) and points links between the documents at their pages; a link to a file that is not
served becomes plain words. The pages are open to everyone, signed in or not.

The header of every page links to help: "Help with this page", to the section that explains it,
when the page's URL name is in ``links.PAGE_HELP``, or "Help", to the list of guides, otherwise.
To give a page its help, add its URL name there; ``tests/accounts/help/test_links.py`` fails when a
mapped URL name or section no longer exists, so renaming a heading that a page links to fails CI.
"""
