"""Which libraries live on the firm's Qdrant server: one point per library in `strongroom_libraries`,
so a second workstation can attach a library by its name and search it without indexing it again.

Each entry: name, id (chunk ids derive from it), collection, embedding model and size, and the
library's folders as root-name/relative/path (each workstation maps them to its own mounts).
"""
from __future__ import annotations

import uuid

from app.core.index.store import StoreError

CATALOG = "strongroom_libraries"
CATALOG_NAMESPACE = uuid.UUID("7d1f3c2e-2b8a-4e57-8c61-0a9e4f5b6d13")
FIELDS = {"name": str, "id": str, "collection": str, "embedding_model": str, "dimensions": int,
          "folders": list, "include": list, "exclude": list}


def name_key(name: str) -> str:
    return " ".join(name.split()).lower()


def _point_id(name: str) -> str:
    return str(uuid.uuid5(CATALOG_NAMESPACE, name_key(name)))


def _ensure(client) -> None:
    if not client.collection_exists(CATALOG):
        try:
            client.create_collection(CATALOG, vectors_config={})
        except Exception:  # noqa: BLE001 - another workstation created it first
            if not client.collection_exists(CATALOG):
                raise


def _valid(payload) -> dict | None:
    """The entry if every field has its type (a damaged point is no entry at all)."""
    if not isinstance(payload, dict):
        return None
    entry = {k: payload.get(k) for k in FIELDS}
    if not all(isinstance(entry[k], t) and not isinstance(entry[k], bool) for k, t in FIELDS.items()):
        return None
    if not all(isinstance(v, str) for k in ("folders", "include", "exclude") for v in entry[k]):
        return None
    return entry if entry["name"] and entry["id"] and entry["collection"] else None


def find(client, name: str) -> dict | None:
    if not client.collection_exists(CATALOG):
        return None
    records = client.retrieve(CATALOG, [_point_id(name)], with_payload=True)
    return _valid(records[0].payload) if records else None


def names(client) -> list[str]:
    if not client.collection_exists(CATALOG):
        return []
    records, _ = client.scroll(CATALOG, limit=1000, with_payload=True)
    return sorted(entry["name"] for r in records if (entry := _valid(r.payload)))


def publish(client, entry: dict) -> None:
    """Adds a new library; StoreError if the firm's server already has one of that name."""
    from qdrant_client import models as m

    _ensure(client)
    if find(client, entry["name"]) is not None:
        raise StoreError(f"The firm's server already has a library named {entry['name']!r}: attach it with "
                         f"`strongroom library attach {entry['name']!r}`, or choose another name.")
    # insert only: of two workstations creating the same name at once, the second leaves the first's entry
    client.upsert(CATALOG, [m.PointStruct(id=_point_id(entry["name"]), vector={}, payload=entry)],
                  update_filter=m.Filter(must=[m.FieldCondition(key="id", match=m.MatchValue(value=entry["id"]))]),
                  wait=True)
    stored = find(client, entry["name"])
    if stored is None or stored["id"] != entry["id"]:
        raise StoreError(f"Another workstation has just created a library named {entry['name']!r} on the firm's "
                         "server; attach it instead.")


def update(client, name: str, **fields) -> None:
    """Changes fields of an existing entry (the embedding model after the first indexing, the folders)."""
    if find(client, name) is not None:
        client.set_payload(CATALOG, payload=fields, points=[_point_id(name)], wait=True)
