"""The book's table of contents: which files, in which order. Light to import, so that a
rebuild with nothing changed stays fast."""

from __future__ import annotations

from pathlib import Path

from cmac.errors import BuildError


def toc_entries(toc_path: Path) -> list[str]:
    """Every file named in _toc.yml (root first), without suffix, in book order, as
    jupyter-book itself reads the file (sphinx-external-toc)."""
    from sphinx_external_toc.parsing import MalformedError, parse_toc_yaml

    try:
        site_map = parse_toc_yaml(toc_path)
    except MalformedError as exc:
        raise BuildError(f"{toc_path.name}: {exc}") from None

    def in_order(docname: str) -> list[str]:
        entries = [docname]
        for subtree in site_map[docname].subtrees:
            for item in subtree.items:
                if isinstance(item, str):  # a file (not a URL or a glob)
                    entries.extend(in_order(item))
        return entries

    return in_order(site_map.root.docname)


def resolve_entry(root: Path, entry: str) -> Path:
    """The file a _toc.yml entry names, which must lie inside the project: an entry that
    leads out of it ('../x', a link to elsewhere) is refused before anything is staged."""
    for suffix in (".ipynb", ".md"):
        path = root / f"{entry}{suffix}"
        if not path.resolve().is_relative_to(root.resolve()):
            raise BuildError(
                f"_toc.yml names '{entry}', which leads outside the project ({path.resolve()}); "
                "list only files inside it"
            )
        if path.exists():
            return path
    raise BuildError(f"_toc.yml names '{entry}', but there is no {entry}.ipynb or {entry}.md")


def check_toc(root: Path) -> list[Path]:
    """The book's source files in order; every notebook in chapters/ must be listed."""
    files = [resolve_entry(root, e) for e in toc_entries(root / "_toc.yml")]
    listed = {p.resolve() for p in files}
    for notebook in sorted((root / "chapters").glob("*.ipynb")):
        if notebook.resolve() not in listed:
            raise BuildError(f"{notebook.relative_to(root)} is not listed in _toc.yml")
    return files
