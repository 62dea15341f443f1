"""Every internal link of the built site resolves, to a file and, with a #fragment, to an element of it; and no
page loads a script, stylesheet, font or image from the network (the site must work offline). Sphinx's own
linkcheck needs the network, so this is a small offline checker over the HTML."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit


class Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[tuple[str, str]] = []  # (attribute, value)
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name == "id" and value:
                self.ids.add(value)
            if name in ("href", "src") and value is not None:
                self.links.append((f"{tag}.{name}", value))


def parse(path: Path) -> Links:
    parser = Links()
    parser.feed(path.read_text(errors="replace"))
    return parser


def broken_links(site: Path) -> list[str]:
    """Every internal href/src that names a missing file or fragment; every resource loaded from the network."""
    pages = {path: parse(path) for path in site.rglob("*.html")}
    problems = []
    for page, parsed in pages.items():
        for attribute, link in parsed.links:
            parts = urlsplit(link)
            if parts.scheme in ("http", "https") or link.startswith("//"):
                if attribute != "a.href":  # a link the reader may follow is fine; a resource the page loads is not
                    problems.append(f"{page.relative_to(site)}: loads {link} from the network")
                continue
            if parts.scheme:  # mailto:, javascript:, data:
                continue
            target = (page.parent / unquote(parts.path)).resolve() if parts.path else page
            if target.is_dir():
                target = target / "index.html"
            if not target.exists():
                problems.append(f"{page.relative_to(site)}: {link} -> no such file")
            elif parts.fragment and target.suffix == ".html":
                ids = pages[target].ids if target in pages else parse(target).ids
                if unquote(parts.fragment) not in ids:
                    problems.append(f"{page.relative_to(site)}: {link} -> no element #{parts.fragment}")
    return problems


def test_every_internal_link_resolves(site: dict) -> None:
    assert site["status"] == 0, site["warnings"]
    assert len(list(site["out"].rglob("*.html"))) > 20
    assert broken_links(site["out"]) == []


def test_the_checker_finds_a_broken_link_and_a_network_script(tmp_path: Path) -> None:
    (tmp_path / "a.html").write_text('<p id="here"></p><a href="b.html#there">b</a><a href="a.html#here">a</a>'
                                     '<a href="missing.html">m</a><a href="https://example.org">fine</a>'
                                     '<script src="https://cdn.example.org/x.js"></script>')
    (tmp_path / "b.html").write_text('<p id="elsewhere"></p>')
    assert broken_links(tmp_path) == [
        "a.html: b.html#there -> no element #there",
        "a.html: missing.html -> no such file",
        "a.html: loads https://cdn.example.org/x.js from the network",
    ]
