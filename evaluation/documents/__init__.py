"""The report archive: every generated document (a pairing's yearly evaluation, a region's,
the monthly steering sheet, the quarterly summary, the half-yearly circular) as versions
of :class:`evaluation.models.Document`, built by Celery.

- ``builders``: the registry of what each kind is built from and how (a kind plugs in
  by registering a :class:`builders.Builder` in the app's ``ready``);
- ``services``: requesting a document, building it safely, superseding a version,
  requeuing stuck builds;
- ``pairing``: the yearly PDF evaluation of a pairing;
- ``stamp``: the 已作废 stamp on a superseded version's pages.
"""
