"""strongroom search --library NAME [--limit N] [--json] "query": hybrid (dense + BM25) retrieval."""
from __future__ import annotations

from app.cli import fail, print_json
from app.core.answers.citations import excerpt
from app.core.index.embedder import Embedder, EmbedderError
from app.core.library.libraries import LibraryError, LibraryManager
from app.core.index.store import StoreError, StoreInUse
from app.core.library.sync import open_library_store



def register(sub) -> None:
    p = sub.add_parser("search", help="search a library's passages (no language model involved)")
    p.add_argument("query")
    p.add_argument("--library", "-l", required=True, metavar="NAME")
    p.add_argument("--limit", "-n", type=int, default=5)
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=run)


def run(args) -> int:
    if args.limit < 1:
        return fail("--limit must be at least 1")
    manager = LibraryManager()
    try:
        lib = manager.get(args.library)
        embedder = Embedder.from_settings()
        if lib.embedding_model and lib.embedding_model != embedder.id:
            return fail(f"{lib.name!r} was indexed with {lib.embedding_model}; run `strongroom index {lib.name!r}` to rebuild it")
        if not lib.may_have_index:
            return fail(f"{lib.name!r} has not been indexed yet; run `strongroom index {lib.name!r}`")
        store = open_library_store(lib, embedder.dimensions)
    except (LibraryError, EmbedderError, StoreInUse, StoreError) as exc:
        return fail(str(exc))
    try:
        hits = store.search_hybrid(embedder.embed_query(args.query), args.query, limit=args.limit)
    except StoreError as exc:  # the firm's server failed during the search: already in plain words
        return fail(str(exc))
    finally:
        store.close()
    results = [{"file": h.payload.get("file"), "page": h.payload.get("page"), "heading": h.payload.get("heading"),
                "excerpt": excerpt(h.payload.get("text", "")), "score": round(h.score, 6)} for h in hits]
    if args.json:
        print_json(results)
        return 0
    if not results:
        print("No matching passages.")
    for i, r in enumerate(results, 1):
        where = f"{r['file']}" + (f", page {r['page']}" if r["page"] else "")
        print(f"{i}. {where}  (score {r['score']:.4f})\n   {r['excerpt']}\n")
    return 0
