"""Docs build helpers (``mkdocs.yml``): docstring markup for mkdocstrings, API coverage check.

Two things in one file, both loaded by ``mkdocs build``:

- ``DocstringMarkup``, a Griffe extension (``plugins.mkdocstrings...extensions``). The
  docstrings are numpydoc, written for Sphinx: ``:class:`Advisor``` becomes a link to the
  API page where the target is documented and plain code where it is not (an *optional*
  cross-reference, so a private target never fails the strict build). A pydantic field's
  ``Field(description=...)`` becomes its docstring and its default its value, so the API
  reference lists the same field descriptions as the JSON Schema.
- MkDocs hooks (``hooks``) that keep the API reference equal to ``strategy_advisor.__all__``:
  a public name on no page of ``docs/api/`` (``::: strategy_advisor.NAME``) is documented at
  the end of ``api/index.md`` under "Not yet on a stage page" (and named in the build log),
  so a name added to ``__all__`` is never missing from the site; a page documenting a name
  that is not public is a warning, so ``mkdocs build --strict`` fails.
"""

from __future__ import annotations

import ast
import logging
import re
from pathlib import Path
from typing import Any

from griffe import Attribute, Docstring, Extension, Object

log = logging.getLogger("mkdocs.hooks.strategy_advisor")

PACKAGE = "strategy_advisor"
INIT = Path(__file__).resolve().parents[1] / "src" / PACKAGE / "__init__.py"

#: ``:role:`target``` and ``:role:`~dotted.target``` (Sphinx's Python roles).
_ROLE = re.compile(
    r":(?:py:)?(?P<role>class|func|meth|attr|mod|data|exc|obj):`(?P<short>~)?(?P<target>[^`<>]+)`"
)
_DIRECTIVE = re.compile(rf"^:::\s+{PACKAGE}\.(\w+)\s*$", re.MULTILINE)


def public_names(init: Path = INIT) -> tuple[str, ...]:
    """``__all__`` of the package, read from its ``__init__.py`` without importing it: the
    keys of its one table of public names (``_SOURCES``), or a literal ``__all__``."""
    tree = ast.parse(init.read_text(encoding="utf-8"))
    found: dict[str, ast.expr] = {}
    for node in tree.body:
        if isinstance(node, ast.AnnAssign) and node.value is not None:
            pairs: list[tuple[ast.expr, ast.expr]] = [(node.target, node.value)]
        elif isinstance(node, ast.Assign):
            pairs = [(t, node.value) for t in node.targets]
        else:
            continue
        for target, value in pairs:
            if isinstance(target, ast.Name):
                found[target.id] = value
    if "_SOURCES" in found:
        return tuple(sorted(ast.literal_eval(found["_SOURCES"])))
    if "__all__" in found:
        return tuple(ast.literal_eval(found["__all__"]))
    raise ValueError(f"{init}: no _SOURCES = {{...}} or __all__ = [...] found")


class DocstringMarkup(Extension):
    """Sphinx roles to cross-references; pydantic ``Field`` descriptions to docstrings."""

    def __init__(self) -> None:
        super().__init__()
        self.public = frozenset(public_names())

    def _identifier(self, target: str, obj: Object) -> str:
        """The autorefs identifier a role's target most likely means."""
        if target.startswith(PACKAGE + "."):
            return target
        if target.split(".")[0] in self.public:
            return f"{PACKAGE}.{target}"
        owner = obj if obj.is_class else obj.parent
        if "." not in target and owner is not None and owner.is_class:
            if owner.name in self.public:  # documented under its public path
                return f"{PACKAGE}.{owner.name}.{target}"
            return f"{owner.path}.{target}"
        return f"{obj.module.path}.{target}"

    def on_instance(self, *, obj: Object, **kwargs: Any) -> None:
        if obj.docstring is None or ":`" not in obj.docstring.value:
            return

        def link(match: re.Match[str]) -> str:
            target = match["target"].strip().removesuffix("()")
            title = target.rsplit(".", 1)[-1] if match["short"] else target
            if match["role"] in {"func", "meth"}:
                title += "()"
            ident = self._identifier(target, obj)
            return f'<autoref identifier="{ident}" optional><code>{title}</code></autoref>'

        obj.docstring.value = _ROLE.sub(link, obj.docstring.value)

    def on_attribute_instance(
        self, *, node: Any, attr: Attribute, agent: Any, **kwargs: Any
    ) -> None:
        value = getattr(node, "value", None) if isinstance(node, ast.AST) else None
        if not (isinstance(value, ast.Call) and _called_name(value.func) == "Field"):
            return
        keywords = {k.arg: k.value for k in value.keywords if k.arg is not None}
        description = keywords.get("description")
        if (
            attr.docstring is None
            and isinstance(description, ast.Constant)
            and isinstance(description.value, str)
        ):
            attr.docstring = Docstring(
                description.value,
                parent=attr,
                parser=getattr(agent, "docstring_parser", None),
                parser_options=getattr(agent, "docstring_options", None),
            )
        default = value.args[0] if value.args else keywords.get("default")
        if isinstance(default, ast.Constant) and default.value is Ellipsis:
            attr.value = None  # required: no default to show
        elif default is not None:
            attr.value = ast.unparse(default)
        elif "default_factory" in keywords:
            attr.value = f"{ast.unparse(keywords['default_factory'])}()"
        else:
            attr.value = None


def _called_name(func: ast.expr) -> str | None:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return None


def _placed(docs_dir: Path) -> dict[str, str]:
    """Public names documented on the API pages, each with the first page it is on."""
    placed: dict[str, str] = {}
    for page in sorted((docs_dir / "api").glob("*.md")):
        for name in _DIRECTIVE.findall(page.read_text(encoding="utf-8")):
            placed.setdefault(name, page.name)
    return placed


def on_files(files: Any, config: Any) -> Any:
    """Warn (so ``--strict`` fails) when an API page documents a name outside ``__all__``."""
    public = set(public_names())
    for name, page in _placed(Path(config["docs_dir"])).items():
        if name not in public:
            log.warning(
                "API reference: docs/api/%s documents %s.%s, which is not in __all__",
                page,
                PACKAGE,
                name,
            )
    return files


def on_page_markdown(markdown: str, page: Any, config: Any, files: Any) -> str:
    """Document the public names no stage page holds yet at the end of the API index."""
    if page.file.src_uri != "api/index.md":
        return markdown
    placed = _placed(Path(config["docs_dir"]))
    missing = [name for name in public_names() if name not in placed]
    if not missing:
        return markdown
    log.info(
        "API reference: %s not on a stage page of docs/api/ yet; documented on api/index.md",
        ", ".join(missing),
    )
    lines = [markdown.rstrip(), "", "## Not yet on a stage page", ""]
    for name in missing:
        lines += [f"::: {PACKAGE}.{name}", "    options:", "      heading_level: 3", ""]
    return "\n".join(lines)
