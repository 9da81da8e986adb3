"""`coursesite new DIR`: a new site repository, from the starter files under
coursesite/starter/ (packaged with the tool): content/ with one commented example offering
that builds under --strict, the editors' JSON Schemas, .gitignore, a Makefile (make, make
check, make serve, make deploy, each calling `coursesite`), the GitHub and GitLab recipes, and
a README for the site's maintainers. Nothing of the tool's own tests goes into it.
"""
from __future__ import annotations

from pathlib import Path

STARTER = Path(__file__).resolve().parent / "starter"

# Output path in the new site -> starter file (dotfiles are stored without their dot: a
# packaged data file whose name starts with '.' is easily lost).
FILES = {
    ".gitignore": "gitignore",
    "Makefile": "Makefile",
    "README.md": "README.md",
    "requirements.txt": "requirements.txt",
    "package.json": "package.json",
    ".github/workflows/site.yml": "github/site.yml",
    ".gitlab-ci.yml": "gitlab-ci.yml",
    "content/site.yaml": "content/site.yaml",
    "content/rooms.yaml": "content/rooms.yaml",
    "content/ss26_example/course.yaml": "content/ss26_example/course.yaml",
    "content/ss26_example/lectures.yaml": "content/ss26_example/lectures.yaml",
    "content/ss26_example/organization.yaml": "content/ss26_example/organization.yaml",
    "content/ss26_example/news.yaml": "content/ss26_example/news.yaml",
}
# Files whose {title} and {version} are filled in (the others are copied as they are).
FILLED = {"README.md", "requirements.txt"}


class ScaffoldError(Exception):
    """The folder cannot take a new site; the message is one line."""


def scaffold(folder: Path) -> list[str]:
    """Write a new site into `folder` (created if missing); the relative paths written.
    Refuses a folder that exists and is not empty, or is not a folder."""
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise ScaffoldError(f"{folder} is a file; give a new or empty folder")
    if folder.is_dir() and any(folder.iterdir()):
        raise ScaffoldError(f"{folder} is not empty; give a new or empty folder "
                            "(nothing was written)")
    files = starter_files(folder.resolve().name)
    for rel, data in files.items():
        path = folder / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return list(files)


def starter_files(title: str) -> dict[str, bytes]:
    """Relative path -> bytes of every file of a new site titled `title`."""
    from .cli import version
    from .schema_export import schema_files

    values = {"title": title, "version": version()}
    files = {}
    for rel, source in FILES.items():
        text = (STARTER / source).read_text(encoding="utf-8")
        if rel in FILLED:
            for key, value in values.items():
                text = text.replace("{" + key + "}", value)
        files[rel] = text.encode("utf-8")
    for name, text in schema_files().items():
        files[f"schema/{name}"] = text.encode("utf-8")
    return files
